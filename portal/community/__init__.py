"""The community side of the portal: accounts, associations, forums, posts and ops.

>>> from portal.community import CommunityStore
>>> community = CommunityStore(portal_store.engine)
"""

from portal.community.accounts import SigninFailed, SigninThrottled, User
from portal.community.ops import Outcome
from portal.community.store import CommunityStore, StreamAccessError

__all__ = ["CommunityStore", "Outcome", "SigninFailed", "SigninThrottled", "StreamAccessError",
           "User"]
