"""Every change to the library, one module per part: `documents` (versions and review),
`adoption`, `compliance`, `sendouts` and `treatments`. Each action is keyword-only, runs in
one transaction, writes its audit entry and sends mail only after commit."""
