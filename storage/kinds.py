"""The kinds of unit and the roles a member may have: plain constants, light to import (the CLI's
help names them without loading the models)."""

from __future__ import annotations

# a commune is a xã, phường or đặc khu; under it thôn (village) and tổ dân phố (resident_group)
UNIT_KINDS = ("province", "commune", "village", "resident_group", "school", "agency", "council")
ROLES = ("village_head", "group_leader", "principal", "reporter", "staff", "admin")
