"""stack.yaml on a single-node Docker Swarm that this test creates, and leaves again.

What an operator does, in order: push the images to a registry (one built
from Debian's package, on 127.0.0.1), deploy, reach the site through Caddy
over HTTPS, and release a new version under load. The database must be out
of reach of the edge network. The test never touches a swarm it did not
create: if this Docker already is part of one, it fails and says so.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator

import pytest

from tests.stack.conftest import SLOW_COMMAND_SECONDS, Stack, free_port, progress, stack_name
from tests.stack.load import SteadyLoad
from tests.stack.test_operations import PATHS, RATE_PER_SECOND


def swarm_state(stack: Stack) -> str:
    return stack.run("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").strip()


@contextlib.contextmanager
def own_swarm(stack: Stack) -> Iterator[None]:
    """Make this Docker a one-node swarm for the test, and leave it afterwards."""
    if swarm_state(stack) != "inactive":
        pytest.fail(
            "this Docker is already part of a swarm, which the test must not touch: "
            "run the stack tests on a Docker outside any swarm",
            pytrace=False,
        )
    # Loopback only: the swarm's control port is not offered to the network.
    stack.run(
        "docker", "swarm", "init",
        "--advertise-addr", "127.0.0.1", "--listen-addr", f"127.0.0.1:{free_port()}",
    )  # fmt: skip
    try:
        node = stack.run("docker", "info", "--format", "{{.Swarm.NodeID}}").strip()
        stack.run("docker", "node", "update",
                  "--label-add", "rightsized.edge=true", "--label-add", "rightsized.db=true",
                  node)  # fmt: skip
        yield
    finally:
        stack.run("docker", "swarm", "leave", "--force", check=False)


@contextlib.contextmanager
def local_registry(stack: Stack) -> Iterator[str]:
    """Run a registry on a loopback port; yield the REGISTRY to push to."""
    name = f"{stack.project}-registry"
    stack.run("docker", "build", "--quiet", "--tag", name, "tests/stack/registry")
    stack.run("docker", "rm", "--force", name, check=False)
    port = free_port()
    stack.run("docker", "run", "--detach", "--name", name,
              "--publish", f"127.0.0.1:{port}:5000", name)  # fmt: skip
    try:
        yield f"127.0.0.1:{port}/{stack.project}"
    finally:
        stack.run("docker", "rm", "--force", "--volumes", name, check=False)
        stack.run("docker", "image", "rm", "--force", name, check=False)


@pytest.fixture(scope="module")
def swarm_stack() -> Iterator[Stack]:
    """The site deployed with `make swarm-deploy` on the test's own one-node swarm."""
    stack = Stack(project=stack_name("swarmtest"))
    stack.down()
    with own_swarm(stack), local_registry(stack) as registry:
        stack.settings |= {"REGISTRY": registry, "APP_VERSION": "swarm-1"}
        try:
            progress(f"{stack.project}: make swarm-push (builds the images first)")
            stack.make("swarm-push")
            progress(f"{stack.project}: make swarm-deploy")
            output = stack.make("swarm-deploy")
            assert "Now serving version swarm-1 on 2 web tasks" in output, output
            fetch_local_ca(stack)
            yield stack
        finally:
            progress(f"{stack.project}: make swarm-rm, and its volumes and images")
            stack.make("swarm-rm", FORCE="1", timeout=300)
            volumes = stack.run(
                "docker", "volume", "ls", "--quiet",
                "--filter", f"label=com.docker.stack.namespace={stack.project}",
            ).split()  # fmt: skip
            if volumes:
                stack.run("docker", "volume", "rm", "--force", *volumes, check=False)
            images = stack.run(
                "docker", "image", "ls", "--quiet", "--filter", f"reference={registry}/*",
            ).split()  # fmt: skip
            if images:
                stack.run("docker", "image", "rm", "--force", *set(images), check=False)
            stack.down()


def task_container(stack: Stack, service: str) -> str:
    """Return the id of the (one) running container of a stack service, on this node."""
    (container,) = stack.run(
        "docker", "ps", "--quiet",
        "--filter", f"label=com.docker.swarm.service.name={stack.project}_{service}",
    ).split()  # fmt: skip
    return container


def fetch_local_ca(stack: Stack) -> None:
    """Copy Caddy's local CA certificate where Stack.client() trusts it from."""
    (stack.artifacts / "secrets").mkdir(parents=True, exist_ok=True)
    certificate = stack.run("docker", "exec", task_container(stack, "caddy"),
                            "cat", "/data/caddy/pki/authorities/local/root.crt")  # fmt: skip
    (stack.artifacts / "secrets" / "caddy-local-ca.crt").write_text(certificate)


def test_the_site_answers_through_caddy_over_https(swarm_stack: Stack) -> None:
    with swarm_stack.client() as client:
        assert client.get("/health").text.strip() == "ok swarm-1"
        home = client.get("/")
        assert home.status_code == 200 and "episode" in home.text.lower()
        assert client.get("/blog/").status_code == 200


def test_the_web_tasks_run_as_replicas_with_the_swarm_settings(swarm_stack: Stack) -> None:
    (spec,) = json.loads(
        swarm_stack.run("docker", "service", "inspect", f"{swarm_stack.project}_web")
    )
    assert spec["Spec"]["Mode"]["Replicated"]["Replicas"] == 2
    update = spec["Spec"]["UpdateConfig"]
    assert update["Order"] == "start-first" and update["FailureAction"] == "rollback"


def postgres_answers(stack: Stack, network: str, host: str) -> bool:
    """Say whether a one-off task on a stack network gets an answer from Postgres at host.

    pg_isready speaks Postgres's protocol: a bare TCP connect would prove
    nothing where the host's gateway accepts any connection (some networks
    do), and the edge network's default route leads there.
    """
    name = f"{stack.project}-probe"
    stack.run(
        "docker", "service", "create", "--quiet", "--detach", "--name", name,
        "--mode", "replicated-job", "--restart-condition", "none",
        "--network", f"{stack.project}_{network}", "postgres:17-trixie",
        # 0: accepting connections, 1: rejecting them (still a Postgres), 2: no answer.
        "bash", "-c", f"pg_isready --quiet --host {host} --timeout 5; [ $? -lt 2 ]",
    )  # fmt: skip
    try:
        for _ in range(120):
            state = stack.run("docker", "service", "ps", "--format", "{{.CurrentState}}", name)
            if state.startswith(("Complete", "Failed", "Rejected")):
                return state.startswith("Complete")
            time.sleep(0.5)
        pytest.fail(f"the probe on {network} did not finish: {state}", pytrace=False)
    finally:
        stack.run("docker", "service", "rm", name, check=False)


def test_the_database_is_out_of_reach_of_the_edge_network(swarm_stack: Stack) -> None:
    db = task_container(swarm_stack, "db")
    (inspected,) = json.loads(swarm_stack.run("docker", "inspect", db))
    address = inspected["NetworkSettings"]["Networks"][f"{swarm_stack.project}_backend"][
        "IPAddress"
    ]
    assert postgres_answers(swarm_stack, "backend", "db"), "the probe works where it should"
    assert not postgres_answers(swarm_stack, "edge", "db"), "edge cannot resolve db"
    assert not postgres_answers(swarm_stack, "edge", address), "nor reach its address"


async def test_a_rolling_update_under_load_fails_no_request(swarm_stack: Stack) -> None:
    swarm_stack.settings["APP_VERSION"] = "swarm-2"
    await asyncio.to_thread(swarm_stack.make, "swarm-push")
    ca_file = str(swarm_stack.artifacts / "secrets" / "caddy-local-ca.crt")
    load = SteadyLoad(swarm_stack.base_url, ca_file, PATHS, rate=RATE_PER_SECOND)
    running = asyncio.create_task(load.run())
    try:
        await asyncio.sleep(3)
        output = await asyncio.to_thread(
            swarm_stack.make, "swarm-deploy", timeout=SLOW_COMMAND_SECONDS
        )
        await asyncio.sleep(3)
    finally:
        report = await load.stop()
        await running

    print(f"swarm rolling update under load: {report.summary()}")
    assert report.failures() == [], report.summary()
    assert "Now serving version swarm-2 on 2 web tasks" in output, output
    with swarm_stack.client() as client:
        assert client.get("/health").text.strip() == "ok swarm-2"
