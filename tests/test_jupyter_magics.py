"""``%load_ext pycontainer_lab``: ``%pcl`` and ``%%container`` in a real IPython shell, the
rendering of pcl's output, and the rule that the library never imports Jupyter by itself."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("IPython", reason="the jupyter extra is not installed")

from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from pycontainer_lab.cli import main as cli_main
from pycontainer_lab.jupyter.cli_output import CommandOutput, parse_table
from pycontainer_lab.jupyter.magics import container_argv, follows, run_pcl

PS = textwrap.dedent("""\
    CONTAINER ID   IMAGE            COMMAND       CREATED         STATUS         PORTS     NAMES
    4f2a9c1b7e3d   busybox:latest   "sleep 60"    2 seconds ago   Up 1 second              web
    9e8d7c6b5a4f   busybox:latest   "sh"          1 minute ago    Exited (0)               <db>
    """)


def get_ipython() -> InteractiveShell:
    """An IPython shell for the magics, without the history thread (the runtime's tests,
    later in the same process, may only fork while it has a single thread)."""
    if not InteractiveShell.initialized():
        config = Config()
        config.HistoryManager.enabled = False
        InteractiveShell.instance(config=config)
    return InteractiveShell.instance()


@pytest.fixture
def ip():
    shell = get_ipython()
    shell.run_line_magic("load_ext", "pycontainer_lab")
    yield shell
    shell.run_line_magic("unload_ext", "pycontainer_lab")


def test_docker_tables_are_read_by_their_header():
    table = parse_table(PS)
    assert table is not None
    assert table.columns == ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS",
                             "NAMES"]
    assert table.to_dicts()[0] == {"CONTAINER ID": "4f2a9c1b7e3d", "IMAGE": "busybox:latest",
                                   "COMMAND": '"sleep 60"', "CREATED": "2 seconds ago",
                                   "STATUS": "Up 1 second", "PORTS": "", "NAMES": "web"}
    html = table.to_html()
    assert html.count("<tr>") == 3 and "&lt;db&gt;" in html and ">CONTAINER ID</th>" in html
    empty = parse_table("REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n")
    assert empty is not None and empty.rows == [] and "(none)" in empty.to_html()
    for text in ("Client:\n Version: 1\n", "4f2a9c1b7e3d\n9e8d7c6b5a4f\n", "ID\nabc\n", ""):
        assert parse_table(text) is None, text


def test_pcl_runs_in_the_kernel_and_returns_what_it_printed(ip):
    out = ip.run_line_magic("pcl", "version")
    assert isinstance(out, CommandOutput) and out.ok and not out.streamed
    assert "Version:" in out.stdout and out.table is None
    assert "<pre class='pcl-output'>" in out._repr_html_()
    fmt = ip.run_line_magic("pcl", "version -f '{{.Client.Os}}'")
    assert fmt.stdout == "linux\n"


def test_a_table_is_rendered_as_html(ip, monkeypatch):
    def fake_main(argv):
        print(PS, end="")
        return 0

    monkeypatch.setattr(cli_main, "main", fake_main)
    out = ip.run_line_magic("pcl", "ps -a")
    assert [r["NAMES"] for r in out.rows] == ["web", "<db>"]
    assert out._repr_html_().startswith("<div class='pcl-command'><table class='pcl-table'>")


def test_errors_are_one_line_never_a_traceback(ip, monkeypatch):
    out = ip.run_line_magic("pcl", "no-such-command")
    assert out.exit_code == 125
    assert out.stderr == "pcl: 'no-such-command' is not a pcl command (see 'pcl --help')\n"
    html = out._repr_html_()
    assert html.count("pcl-message") == 1 and "Traceback" not in html
    helped = ip.run_line_magic("pcl", "version --help")  # argparse exits: not an error
    assert helped.ok and "usage: pcl version" in helped.stdout

    def broken(argv):
        raise KeyError("bug")

    monkeypatch.setattr(cli_main, "run_command", broken)
    out = ip.run_line_magic("pcl", "info")
    assert (out.exit_code, out.stderr) == (1, "pcl: internal error: KeyError: 'bug'\n")


def test_the_line_goes_to_pcl_as_written_and_python_calls_pcl(ip):
    ip.user_ns["fmt"] = "nope"
    out = ip.run_line_magic("pcl", "version -f '{{.Client.Os}} $fmt {fmt}'")
    assert out.stdout == "linux $fmt {fmt}\n"  # no IPython expansion: Go templates intact
    from pycontainer_lab.jupyter import pcl

    assert pcl("version", "-f", "{{.Client.Os}}").stdout == "linux\n"


def test_following_commands_stream_and_the_rest_are_collected(capsys):
    assert follows(["run", "busybox"]) and not follows(["run", "-d", "busybox"])
    assert follows(["logs", "-f", "web"]) and not follows(["logs", "web"])
    assert follows(["start", "-a", "web"]) and not follows(["ps"])
    streamed = run_pcl(["version"], stream=True)
    assert streamed.streamed and "Version:" in capsys.readouterr().out
    assert repr(streamed) == "<pcl version: exit status 0>"


def test_container_cells_become_pcl_run(ip):
    assert container_argv("busybox -m 32m", "echo hi\n") == \
        ["run", "--rm", "-m", "32m", "busybox", "sh", "-c", "echo hi\n"]
    assert container_argv("-m 32m --name x busybox", "id") == \
        ["run", "--rm", "-m", "32m", "--name", "x", "busybox", "sh", "-c", "id"]
    with pytest.raises(ValueError, match="usage"):
        container_argv("", "id")
    with pytest.raises(ValueError, match="first or last"):
        container_argv("--rm -d", "id")


@pytest.mark.skipif("run" not in cli_main.COMMANDS, reason="pcl run is not on this branch yet")
def test_container_cell_runs_in_a_container(ip, capfd):
    ip.run_cell_magic("container", "busybox", "echo hello from $(hostname)\nexit 3\n")
    out = capfd.readouterr()
    assert "hello from" in out.out
    assert "(the script ended with exit status 3)" in out.err


def test_unloading_removes_the_magics():
    shell = get_ipython()
    shell.run_line_magic("load_ext", "pycontainer_lab")
    assert "pcl" in shell.magics_manager.magics["line"]
    assert "container" in shell.magics_manager.magics["cell"]
    shell.run_line_magic("unload_ext", "pycontainer_lab")
    assert "pcl" not in shell.magics_manager.magics["line"]
    assert "container" not in shell.magics_manager.magics["cell"]


def test_the_library_and_pcl_never_import_jupyter():
    code = textwrap.dedent("""
        import sys
        import pycontainer_lab
        from pycontainer_lab import Sandbox
        from pycontainer_lab.linux.cgroups import Cgroup, Sampler, CgroupStats
        from pycontainer_lab.cli.main import main
        main(["--version"])
        main(["version"])
        heavy = {"IPython", "ipywidgets", "anywidget", "matplotlib", "ipympl", "traitlets",
                 "numpy", "pycontainer_lab.jupyter"}
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy
                     or m.startswith("pycontainer_lab.jupyter")))
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stdout.splitlines()[-1] == "[]"
