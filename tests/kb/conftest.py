import pytest


@pytest.fixture
def helpdesk(each_peer):
    """The knowledge-base pages are tested against every peer."""
    return each_peer
