import pytest

from .fake_servers import FakeServer


@pytest.fixture
def fake(settings):
    """Starts misbehaving API servers (FakeServer's arguments) and points the portal at the last."""
    servers = []

    def start(**behaviour):
        server = FakeServer(**behaviour)
        servers.append(server)
        settings.KAYAKO_API_URL = server.url
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def helpdesk(each_peer):
    """The service module's tests run against every peer."""
    return each_peer
