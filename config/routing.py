"""WebSocket URL routes of every app, wired together in one place."""

from panels.live.routing import websocket_urlpatterns as panel_routes

websocket_urlpatterns = [*panel_routes]
