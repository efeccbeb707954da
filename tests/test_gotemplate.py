"""The Go template engine behind every ``--format`` flag.

Where the engine follows Go, the expected outputs below were checked against Go's own
text/template with Docker's functions; the few deliberate differences say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from pycontainer_lab.cli.gotemplate import (
    TemplateError,
    align_columns,
    render,
    render_table,
    table_header,
)

CONTAINER = {
    "Id": "4f66ad9a0b2e",
    "Name": "/web",
    "Args": ["-g", "daemon off;"],
    "State": {"Status": "running", "Running": True, "Pid": 4242, "ExitCode": 0, "Health": None},
    "Config": {"Image": "nginx:1.25", "Env": ["A=1", "B=2"],
               "Labels": {"com.example.x": "yes", "maintainer": "<ops&co>"}},
    "Mounts": [{"Source": "/srv/www", "Destination": "/usr/share/nginx/html", "RW": False},
               {"Source": "/var/log/web", "Destination": "/var/log/nginx", "RW": True}],
    "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}},
    "SizeRw": 1000000.0,
    "Empty": "",
    "Zero": 0,
}
INFO = {"Architecture": "amd64", "NCPU": 8, "Driver": "overlay2", "Swarm": {}, "Warnings": None}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # the examples from Docker's documentation, on docker-like data
        ("{{.Architecture}}", "amd64"),
        ("{{.NCPU}} CPUs, {{.Driver}}", "8 CPUs, overlay2"),
        ("{{json .Swarm}}", "{}"),
        ("{{.Warnings}}", "<no value>"),
    ],
)
def test_info_examples(template: str, expected: str) -> None:
    assert render(template, INFO) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{.State.Running}}", "true"),
        ("{{.State.Pid}}", "4242"),
        ("{{.Config.Image}}", "nginx:1.25"),
        # dicts keep their order in JSON, like Docker's structs (Go would sort a map's keys)
        ("{{json .State}}",
         '{"Status":"running","Running":true,"Pid":4242,"ExitCode":0,"Health":null}'),
        ("{{json .Config}}", '{"Image":"nginx:1.25","Env":["A=1","B=2"],'
         '"Labels":{"com.example.x":"yes","maintainer":"<ops&co>"}}'),
        ("{{json .Config.Env}}", '["A=1","B=2"]'),
        ("{{json .Config.Labels.maintainer}}", '"<ops&co>"'),  # Docker: no HTML escaping
        ("{{json .SizeRw}}", "1000000"),
        ("{{range .Mounts}}{{.Source}},{{end}}", "/srv/www,/var/log/web,"),
        ('{{range .Mounts}}{{if .RW}}{{.Destination}}{{end}}{{end}}', "/var/log/nginx"),
        ('{{index .Config.Labels "com.example.x"}}', "yes"),
        ('{{index .Config.Labels "missing"}}', "<no value>"),
        ('{{join .Args ","}}', "-g,daemon off;"),  # Go's join would want a []string
        ('{{if eq .State.Status "running"}}up{{else}}down{{end}}', "up"),
        ('{{if eq .State.Status "exited"}}up{{else}}down{{end}}', "down"),
        ('{{range $p, $conf := .NetworkSettings.Ports}}{{$p}} -> {{(index $conf 0).HostPort}}'
         "{{end}}", "80/tcp -> 8080"),
        ("{{.Name | printf \"%q\"}}", '"/web"'),
        ("{{lower .State.Status | upper}}", "RUNNING"),
        ("{{range $i, $e := .Config.Env}}{{if $i}} {{end}}{{$e}}{{end}}", "A=1 B=2"),
        ("{{$name := .Name}}{{range .Mounts}}{{$name}}:{{.Source}} {{end}}",
         "/web:/srv/www /web:/var/log/web "),
        ("{{range .Mounts}}{{$.Id}} {{end}}", "4f66ad9a0b2e 4f66ad9a0b2e "),
        ("{{with .State}}{{.Status}} {{.Pid}}{{end}}", "running 4242"),
        ("{{with .Missing}}yes{{else}}no{{end}}", "no"),
        ("{{.Missing}} {{.Missing.Deeper}} {{.State.Health}}", "<no value> <no value> <no value>"),
        ("{{len .Mounts}} {{len .Config.Labels}} {{len .Name}}", "2 2 4"),
        ("{{slice .Id 0 4}} {{slice .Args 1}}", "4f66 [daemon off;]"),
        ("{{split .Config.Image \":\"}}", "[nginx 1.25]"),
        ("{{index (split .Config.Image \":\") 1}}", "1.25"),
        ("{{title \"hello big_world-foo\"}}", "Hello Big_world-Foo"),
        ('{{truncate .Id 4}}|{{pad .Name 1 2}}|{{pad .Empty 1 2}}|', "4f66| /web  ||"),
    ],
)
def test_inspect_examples(template: str, expected: str) -> None:
    assert render(template, CONTAINER) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # printing values the way Go's %v does
        ("{{.}}", "map[a:1 b:[x y] c:map[d:true]]"),
        ("{{.b}} {{.c}} {{.c.d}}", "[x y] map[d:true] true"),
        ("{{1.5}} {{100000.0}} {{1000000.0}} {{123456789.0}} {{0.0001}} {{0.00001}} {{-0.0}}",
         "1.5 100000 1e+06 1.23456789e+08 0.0001 1e-05 -0"),
        ("{{json 1e21}} {{json 1e-7}} {{json 0.5}} {{json 1e20}}",
         "1e+21 1e-7 0.5 100000000000000000000"),
        ('{{json "a\\u2028\\n\\t\\x01"}}', '"a\\u2028\\n\\t\\u0001"'),
        ("{{.nothing}} {{print .nothing}} {{printf \"%v\" .nothing}}", "<no value> <nil> <nil>"),
        ("{{$x := .nothing}}{{$x}}", "<no value>"),
        ("{{true}} {{false}} {{print nil}} {{0x1F}} {{0755}} {{1_000}} {{'a'}} {{1e3}}",
         "true false <nil> 31 493 1000 97 1000"),
        ('{{"tab\\there \\"q\\" \\u00e9\\x41\\101"}} {{`raw\\t`}}', 'tab\there "q" éAA raw\\t'),
        # literal text, trim markers and comments
        ("a  {{- 1 -}}  b", "a1b"),
        ("a  {{- 1}}  b", "a1  b"),
        ("a  {{1 -}}\n  b", "a  1b"),
        ("{{-3}} {{- 3}}", "-33"),
        ("x{{/* a comment */}}y", "xy"),
        ("x {{- /* a comment */ -}} y", "xy"),
        ("{{if .a -}}\n  yes\n{{- end}}", "yes"),
        # control structures
        ("{{if 0}}a{{else if \"\"}}b{{else if .b}}c{{else}}d{{end}}", "c"),
        ("{{if .e}}a{{else if .f}}b{{else if .g}}c{{else if .nothing}}d{{else}}e{{end}}", "e"),
        ("{{range .e}}x{{else}}empty{{end}} {{range .nothing}}x{{else}}none{{end}}", "empty none"),
        ("{{range $k, $v := .c}}{{$k}}={{$v}}{{end}}", "d=true"),
        ("{{range .z}}{{.}}{{end}}", "yxw"),  # dicts range in key order, like Go maps
        ("{{range $k, $v := .z}}{{$k}}{{end}}", "abc"),
        ("{{range .b}}{{if eq . \"y\"}}{{break}}{{end}}{{.}}{{end}}", "x"),
        ("{{range .b}}{{if eq . \"x\"}}{{continue}}{{end}}{{.}}{{end}}", "y"),
        ("{{range 3}}{{.}}{{end}}", "012"),  # Go 1.22
        ("{{$x := 1}}{{range .b}}{{$x = .}}{{end}}{{$x}}", "y"),
        ("{{$x := 1}}{{range .b}}{{$x := .}}{{end}}{{$x}}", "1"),
        ("{{$x := 1}}{{with $x := 2}}{{$x}}{{end}}{{$x}}", "21"),
        ("{{with .nothing}}a{{else with .a}}b{{.}}{{end}}", "b1"),  # Go 1.23
        # functions and pipelines
        ("{{and 1 0}} {{and 1 2}} {{or 0 \"\"}} {{or 0 \"x\"}} {{not 0}}", "0 2  x true"),
        ("{{and .nothing .nothing.x.y}} {{or .a .nothing.x}}", "<no value> 1"),  # short circuit
        ("{{if and (gt .a 0) (lt .a 2)}}in{{end}}", "in"),
        ("{{eq .a 1}} {{eq \"b\" \"a\" \"b\"}} {{ne .a 2}} {{le \"a\" \"b\"}} {{ge 2.5 3.5}}",
         "true true true true false"),
        ("{{eq .nothing nil}} {{eq .a nil}}", "true false"),
        ("{{index .b 1}} {{index .c \"d\"}} {{index \"abc\" 1}}", "y true 98"),
        ("{{print 1 2 \"a\" \"b\" 3}} {{println \"x\" 1}}", "1 2ab3 x 1\n"),
        ('{{printf "%5s|%-5s|%d|%x|%X|%o|%q|%t|%v|%.2f|%e|%T" "a" "b" 3 255 255 8 "q" true .b '
         '1.5 1234.5 .a}}', '    a|b    |3|ff|FF|10|"q"|true|[x y]|1.50|1.234500e+03|int'),
        ('{{printf "%05d|%+d|%-4d|%.3s|%g|%%" 42 42 42 "abcdef" 1e6}}',
         "00042|+42|42  |abc|1e+06|%"),
        ('{{printf "%d %s" "x" 1}}|{{printf "%d %d" 1}}|{{printf "%d" 1 2}}',
         "%!d(string=x) %!s(int=1)|1 %!d(MISSING)|1%!(EXTRA int=2)"),
        ('{{html "<a href=\'x\'>&</a>"}}', "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"),
        ('{{js "it\'s <b> \\"x\\" = \\n"}}', "it\\'s \\u003Cb\\u003E \\\"x\\\" \\u003D \\u000A"),
        ('{{urlquery "a b&c=d/é"}}', "a+b%26c%3Dd%2F%C3%A9"),
        ("{{.b | len | printf \"%d items\"}}", "2 items"),
        ("{{(index .b 0) | upper}}", "X"),
        ("{{.a | print \"n=\"}}", "n=1"),
        ("{{.a |}}", "1"),  # Go accepts a trailing |
        ("{{call .f 2}}", "4"),
    ],
)
def test_language(template: str, expected: str) -> None:
    data = {"a": 1, "b": ["x", "y"], "c": {"d": True}, "e": [], "f": lambda n: n * 2, "g": {},
            "z": {"c": "w", "a": "y", "b": "x"}}
    if "call" not in template and "{{.}}" not in template:
        data.pop("f")
    if template == "{{.}}":
        data = {"a": 1, "b": ["x", "y"], "c": {"d": True}}
    assert render(template, data) == expected


@dataclass
class _State:
    Status: str = "running"
    Health: object = None


@dataclass
class _Container:
    Name: str
    State: _State = field(default_factory=_State)
    _secret: str = "hidden"

    def Label(self, key: str) -> str:  # Go's exported names are capitalised
        return {"tier": "web"}.get(key, "")

    @property
    def Running(self) -> bool:
        return self.State.Status == "running"


def test_objects_are_go_structs() -> None:
    c = _Container("web")
    assert render("{{.Name}} {{.State.Status}} {{.Running}}", c) == "web running true"
    assert render('{{.Label "tier"}} {{"tier" | .Label}}', c) == "web web"  # methods get called
    assert render("{{.State}}", c) == "{running <nil>}"
    assert render("{{json .}}", c) == '{"Name":"web","State":{"Status":"running","Health":null}}'
    with pytest.raises(TemplateError, match=r"can't evaluate field _secret in type _Container"):
        render("{{._secret}}", c)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        # parse errors
        ("{{.Name", "1:1: unclosed action"),
        ("ab{{.Name}}{{if", "1:12: unclosed action"),
        ("{{foo 1}}", '1:3: function "foo" not defined'),
        ("{{end}}", "1:3: unexpected {{end}}"),
        ("x{{else}}", "1:4: unexpected {{else}}"),
        ("{{if 1}}a", "1:3: unclosed {{if}}: missing {{end}}"),
        ("{{range .}}{{else}}{{else}}{{end}}", "1:22: unexpected {{else}} after {{else}}"),
        ('{{"abc}}', "1:3: unterminated quoted string"),
        ("{{`abc}}", "1:3: unterminated raw quoted string"),
        ('{{"a\\qb"}}', "1:3: invalid escape sequence \\q"),
        ("{{#}}", "1:3: bad character U+0023 '#'"),
        ("{{3x}}", "1:3: bad number syntax: 3x"),
        ("{{$x}}", '1:3: undefined variable "$x"'),
        ("{{$x = 1}}", '1:3: undefined variable "$x"'),
        ("{{if $x := 1}}{{end}}{{$x}}", '1:24: undefined variable "$x"'),
        ("{{break}}", "1:3: {{break}} outside {{range}}"),
        ("{{(.A}}", "1:6: unclosed left paren"),
        ("{{.A)}}", "1:5: unexpected right paren"),
        ("{{ }}", "1:4: missing value for command"),
        ("{{if}}{{end}}", "1:5: missing value for if"),
        ("{{1 | 2}}", "1:7: non executable command in pipeline stage 2"),
        ("{{$a, $b := 1}}", "1:3: too many declarations in command"),
        ("{{/* open", "1:1: unclosed comment"),
        ("{{/* x */ }}", "1:8: comment ends before closing delimiter"),
        ('{{template "x"}}', "1:3: {{template}} is not supported"),
        ("line one\n  {{.A.}}", "2:7: unexpected . after term"),
        # execution errors
        ("{{.Name.Foo}}", "1:3: can't evaluate field Foo in type string"),
        ("{{.List.Foo}}", "1:3: can't evaluate field Foo in type []interface {}"),
        ("{{.Null.Foo}}", "1:3: nil pointer evaluating <nil>.Foo"),
        ("{{.Name 1}}", "1:3: can't give argument to non-function .Name"),
        ("{{nil}}", "1:3: nil is not a command"),
        ("{{len 3}}", "1:3: error calling len: len of type int"),
        ("{{index .List 5}}", "1:3: error calling index: index out of range: 5"),
        ("{{join .List}}", "1:3: wrong number of args for join: want 2 got 1"),
        ("{{printf}}", "1:3: wrong number of args for printf: want at least 1 got 0"),
        ("{{upper 1}}", "1:3: error calling upper: wrong type for value; expected string; got int"),
        ('{{eq 1 "a"}}', "1:3: error calling eq: incompatible types for comparison"),
        ("{{lt true false}}", "1:3: error calling lt: invalid type for comparison"),
        ("x\n{{range .Name}}{{end}}", "2:9: range can't iterate over web"),
        ('{{json (index .List 0 | printf "%s\\n")}}', None),  # fine: no error
    ],
)
def test_errors_are_one_line_with_position(template: str, message: str | None) -> None:
    data = {"Name": "web", "List": ["a\nb"], "Null": None}
    if message is None:
        assert render(template, data) == '"a\\nb\\n"'
        return
    with pytest.raises(TemplateError) as info:
        render(template, data)
    text = str(info.value)
    assert text == f"template: {message}"
    assert "\n" not in text
    assert isinstance(info.value, ValueError)


def test_error_messages_never_span_lines() -> None:
    with pytest.raises(TemplateError) as info:
        render("{{index .L 9}}", {"L": []})
    assert re.fullmatch(r"template: 1:3: [^\n]+", str(info.value))
    with pytest.raises(TemplateError) as info:
        render("{{call .F}}", {"F": lambda: 1 / 0})
    assert str(info.value) == "template: 1:3: error calling call: division by zero"


ROWS = [
    {"ID": "1", "Image": "alpine:3.19", "CreatedSince": "2 hours ago", "Names": "web",
     "Labels": {"a": "b"}},
    {"ID": "22", "Image": "busybox", "CreatedSince": "3 days ago", "Names": "a-long-name",
     "Labels": {}},
]


def test_table_header_and_alignment() -> None:
    out = render_table("table {{.ID}}\t{{.Image}}\t{{.CreatedSince}}\t{{.Names}}", ROWS)
    assert out == (
        "ID        IMAGE         CREATED       NAMES\n"
        "1         alpine:3.19   2 hours ago   web\n"
        "22        busybox       3 days ago    a-long-name\n"
    )


def test_table_typed_escapes_and_header_overrides() -> None:
    # a shell passes "\t" as backslash-t; Docker (and we) read it as a tab
    out = render_table(r"table {{.ID}}\t{{.Names | upper}}\t{{json .Labels}}", ROWS,
                       headers={"ID": "CONTAINER ID"})
    assert out == (
        "CONTAINER ID   NAMES         LABELS\n"  # upper and json leave a header alone
        "1              WEB           {\"a\":\"b\"}\n"
        "22             A-LONG-NAME   {}\n"
    )


def test_table_without_rows_and_default_titles() -> None:
    assert render_table("table {{.ID}}\t{{.Image}}", []) == "ID        IMAGE\n"
    header = table_header("table {{.ID}}\t{{.CreatedAt}}\t{{.IPAddress}}\t{{.Config.Image}}")
    assert header == "ID\tCREATED AT\tIP ADDRESS\tIMAGE"
    assert table_header("{{.ID}}") is None


def test_not_a_table_is_one_rendered_line_per_row() -> None:
    assert render_table("{{.ID}}: {{.Names}}", ROWS) == "1: web\n22: a-long-name\n"
    assert render_table(r"{{.ID}}\t{{.Names}}", ROWS[:1]) == "1\tweb\n"
    assert render_table("json", ROWS[1:]) == (
        '{"ID":"22","Image":"busybox","CreatedSince":"3 days ago","Names":"a-long-name",'
        '"Labels":{}}\n')
    assert render_table("{{.ID}}", []) == ""


def test_align_columns_like_go_tabwriter() -> None:
    # a column is its widest cell + 3, at least 10; the last cell of a line is never padded
    assert align_columns([["a", "b", "c"], ["longer-than-ten", "", "x"]]) == (
        "a                 b         c\n"
        "longer-than-ten             x\n"
    )
    # a line with fewer cells ends a column block: the lines below it align on their own
    assert align_columns([["a", "b"], ["only"], ["much-longer-cell", "c"]]) == (
        "a         b\n"
        "only\n"
        "much-longer-cell   c\n"
    )
    # wide characters take two columns in a terminal (Docker's tabwriter; Go's counts runes)
    assert align_columns([["名前", "x"], ["ab", "y"]]) == "名前      x\nab        y\n"


def test_parse_is_cached_and_data_independent() -> None:
    template = "{{range .}}{{.}}{{end}}"
    assert render(template, [1, 2]) == "12"
    assert render(template, ["a"]) == "a"
