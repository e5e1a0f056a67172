"""Back-office pages for proposals, mounted under manage/proposals/ on every site."""

urlpatterns = []
