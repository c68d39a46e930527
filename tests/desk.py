"""A small, realistic desk built through the services, shared by integration and e2e tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from closeloop.accounts.models import Analyst
from closeloop.accounts.services import add_analyst, ensure_default_roles, get_access_role, get_ipk_role
from closeloop.partitions import services as partitions
from closeloop.partitions.models import IpkGroup, Partition

PASSWORD = "test-pass-123"


@dataclass
class Desk:
    """Default partition: Service Desk (alice Analyst, rita Analyst, carol Closer), Network (bob Analyst,
    mia Closer), Closure Group (carol, dave Closers); admin with IPK Setup; erin read-only;
    Other partition: olga (Closer) in Other Group, its closure group."""

    default: Partition
    other: Partition
    service_desk: IpkGroup
    network: IpkGroup
    closure_group: IpkGroup
    other_group: IpkGroup
    admin: Analyst
    alice: Analyst
    rita: Analyst
    bob: Analyst
    carol: Analyst
    dave: Analyst
    mia: Analyst
    erin: Analyst
    olga: Analyst

    def configure(self, change_reason: str = "test set-up", partition: Partition | None = None,
                  **changes: Any) -> None:
        partitions.update_closure_settings(partition or self.default, change_reason, **changes)


def build_desk() -> Desk:
    ensure_default_roles()
    default = partitions.create_partition("Default")
    other = partitions.create_partition("Other")
    sd = partitions.create_group(default, "Service Desk")
    net = partitions.create_group(default, "Network")
    cg = partitions.create_group(default, "Closure Group")
    og = partitions.create_group(other, "Other Group")
    role = get_ipk_role

    def analyst(name: str, partition: Partition, ipk: str, groups: list[IpkGroup], access: str = "Standard"):
        return add_analyst(name, partition, role(ipk), groups=groups, access_role=get_access_role(access),
                           password=PASSWORD, email=f"{name}@desk.example")

    desk = Desk(
        default=default, other=other, service_desk=sd, network=net, closure_group=cg, other_group=og,
        admin=analyst("admin", default, "Closer", [], "Administrator"),
        alice=analyst("alice", default, "Analyst", [sd]),
        rita=analyst("rita", default, "Analyst", [sd]),
        bob=analyst("bob", default, "Analyst", [net]),
        carol=analyst("carol", default, "Closer", [sd, cg]),
        dave=analyst("dave", default, "Closer", [cg]),
        mia=analyst("mia", default, "Closer", [net]),
        erin=analyst("erin", default, "Read only", []),
        olga=analyst("olga", other, "Closer", [og]),
    )
    for code, label, types in (("FIXED", "Fixed", ["incident", "major_incident"]),
                               ("FULFILLED", "Request fulfilled", ["service_request"]),
                               ("ROOT_CAUSE", "Root cause removed", ["problem", "known_error"])):
        partitions.add_closure_reason(default, code, label, types)
    partitions.add_closure_reason(other, "FIXED", "Fixed", ["incident"])
    # Calls need no contact on the test desk (tests of contacts turn it on): most tests are about closure.
    partitions.update_closure_settings(default, "test desk: log group validates",
                                       closure_method="rules", closure_rule="log_group",
                                       closure_group=cg, contact_required=False)
    partitions.update_closure_settings(other, "test desk", closure_method="rules",
                                       closure_rule="closure_group", closure_group=og, contact_required=False)
    return desk
