"""What the resources share, derived from each one's field table: the dynamic-provider contract, once.

:class:`InstantlyProvider` is a chain of one concern per module, each building on the one before::

    _base.ProviderBase     the field table and what derives from it, configuration and credentials,
                           the client, naming, where objects live, the state an API object becomes
      _reading.Reading     find (natural key), the listing, fetch; ``read`` (refresh, drift)
        _writing.Writing   ``update`` (one PATCH) and ``delete`` (keep what was adopted)
          _creating.Creating   ``create``: adopt, take over a killed run's object, or POST and reconcile
            _checking.Checking   ``check`` (validators, announcements) and ``diff`` (replacements)
              InstantlyProvider

``check`` runs every field's validator (no API call, except the reads a changed object needs),
``diff`` compares the fields as the table says, ``create`` adopts by natural key or creates and
reconciles a lost create, ``read`` takes the object from the workspace's list (shared per process)
and reports drift, ``update`` patches what changed, ``delete`` keeps what was adopted unless told
otherwise. Every write goes through :func:`~._converge.converge`.

A resource module keeps only what is its own: its field table, where its objects live, how to find
one by natural key, and what truly differs (an API key's orphan proof, a group invitation's waiting,
a tag's assignments).
"""

from __future__ import annotations

from instantly_pulumi.resources._base import CONFIG_KEYS, failure, has_unknown, is_unknown
from instantly_pulumi.resources._checking import Checking

__all__ = ["CONFIG_KEYS", "InstantlyProvider", "failure", "has_unknown", "is_unknown"]


class InstantlyProvider(Checking):
    """Base of the resources' providers; a subclass declares a field table and where objects live.

    Class attributes a subclass sets:

    * ``kind`` — how an object is named in messages (``workspace member``);
    * ``fields`` — the field table (:class:`~instantly_pulumi.resources._fields.Field`);
    * ``path`` — the API collection (``/workspace-members``);
    * ``has_get`` — whether ``GET {path}/{id}`` exists;
    * ``creates_verb`` — how messages say an object comes to exist (``invites`` for a member).
    """
