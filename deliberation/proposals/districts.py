"""The 25 autonomous districts (자치구) of Seoul, for the optional district of a proposal.
The names are proper nouns: shown in Korean in both languages."""

from django.db import models


class District(models.TextChoices):
    JONGNO = "jongno", "종로구"
    JUNG = "jung", "중구"
    YONGSAN = "yongsan", "용산구"
    SEONGDONG = "seongdong", "성동구"
    GWANGJIN = "gwangjin", "광진구"
    DONGDAEMUN = "dongdaemun", "동대문구"
    JUNGNANG = "jungnang", "중랑구"
    SEONGBUK = "seongbuk", "성북구"
    GANGBUK = "gangbuk", "강북구"
    DOBONG = "dobong", "도봉구"
    NOWON = "nowon", "노원구"
    EUNPYEONG = "eunpyeong", "은평구"
    SEODAEMUN = "seodaemun", "서대문구"
    MAPO = "mapo", "마포구"
    YANGCHEON = "yangcheon", "양천구"
    GANGSEO = "gangseo", "강서구"
    GURO = "guro", "구로구"
    GEUMCHEON = "geumcheon", "금천구"
    YEONGDEUNGPO = "yeongdeungpo", "영등포구"
    DONGJAK = "dongjak", "동작구"
    GWANAK = "gwanak", "관악구"
    SEOCHO = "seocho", "서초구"
    GANGNAM = "gangnam", "강남구"
    SONGPA = "songpa", "송파구"
    GANGDONG = "gangdong", "강동구"
