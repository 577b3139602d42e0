from django.urls import path

from panels.live import consumers

websocket_urlpatterns = [
    path("ws/meetings/<int:meeting_id>/", consumers.MeetingConsumer.as_asgi()),
    path("ws/meetings/<int:meeting_id>/screen/", consumers.ScreenConsumer.as_asgi()),
]
