"""Running Closeloop in production: synthetic desks, backup and restore, deploy checks, database routing.

Everything here is operator tooling. The synthetic desk generator and restore write rows directly for
speed; their tests check that what they write keeps the invariants the services keep.
"""
