import pytest

from tests.private_services import PrivateRedis


@pytest.fixture
def private_redis(settings):
    from realtime.publisher import reset_publisher

    redis = PrivateRedis()
    redis.start()
    settings.REDIS_URL = f"redis://127.0.0.1:{redis.port}/0"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": [settings.REDIS_URL]}}}
    reset_publisher()
    yield redis
    redis.stop()
    reset_publisher()
