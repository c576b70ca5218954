from pathlib import Path

import pytest

from sinyal.flows import EnvReferenceError, FlowError, expand_env, load_flow, load_flows
from sinyal.signals.refresh import sources_of

PROJECT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "flow.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shipped_flows_load() -> None:
    flows = load_flows(PROJECT / "flows")
    assert "long-open-demo" in {f.name for f in flows}
    demo = next(f for f in flows if f.name == "long-open-demo")
    assert len(sources_of(demo)) == 9
    assert demo.trigger.min_open_days == 90


def test_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "name: demo\ntrigger:\n  min_open_days: -5\n")
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    assert str(caught.value).startswith(f"{path}:3: trigger.min_open_days: ")


def test_unknown_field_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: demo\n\ntriger:\n  min_open_days: 5\n")
    with pytest.raises(FlowError, match=r"flow\.yml:3: triger: Extra inputs are not permitted"):
        load_flow(path)


def test_bad_source_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "name: demo\nsources:\n  - type: greenhouse\n    base_url: x\n")
    with pytest.raises(
        FlowError, match=r":3: sources\.0: greenhouse source: board: Field required"
    ):
        load_flow(path)


def test_invalid_yaml_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: demo\nsources: [\n  - : :\n")
    with pytest.raises(FlowError, match=r"flow\.yml:\d+: not valid YAML"):
        load_flow(path)


def test_flow_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="must be a mapping"):
        load_flow(write(tmp_path, "- just a list\n"))


def test_duplicate_flow_names(tmp_path: Path) -> None:
    write(tmp_path, "name: same\n", "a.yml")
    write(tmp_path, "name: same\n", "b.yml")
    with pytest.raises(FlowError, match="used twice: same"):
        load_flows(tmp_path)


def test_environment_references_expand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOW_SITE", "http://127.0.0.1:9999")
    monkeypatch.delenv("FLOW_UNSET", raising=False)
    assert expand_env({"a": ["${FLOW_SITE}/x", "${FLOW_UNSET:-fallback}", 3]}) == {
        "a": ["http://127.0.0.1:9999/x", "fallback", 3]
    }


SECRET_FLOW = """name: demo
sources:
  - type: greenhouse
    board: acme
    base_url: "${SINYAL_DEMO_SITE_URL:-http://127.0.0.1:8800}/greenhouse"
  - type: greenhouse
    board: acme
    base_url: "https://x.example/${NAME}"
"""


@pytest.mark.parametrize(
    "name", ["SINYAL_SECRET_KEY", "DATABASE_URL", "HOME", "SMTP_PASSWORD", "FLOWX", "flow_x"]
)
def test_a_variable_off_the_allow_list_is_refused_with_file_line_and_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "s3cr3t-value")
    path = write(tmp_path, SECRET_FLOW.replace("NAME", name))
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:8: sources.1.base_url: ${{{name}}} is not allowed")
    assert "${SINYAL_DEMO_SITE_URL}, ${SINYAL_PUBLIC_URL}" in message and "${FLOW_...}" in message
    assert "s3cr3t-value" not in message


def test_a_default_does_not_make_a_secret_readable(tmp_path: Path) -> None:
    text = "name: demo\ndescription: >-\n  folded\n  ${SINYAL_SECRET_KEY:-none}\n"
    with pytest.raises(FlowError, match=r"flow\.yml:4: description: \$\{SINYAL_SECRET_KEY\} is"):
        load_flow(write(tmp_path, text))
    with pytest.raises(EnvReferenceError, match="SINYAL_SECRET_KEY"):
        expand_env(["ok", {"deep": "${SINYAL_SECRET_KEY:-x}"}])


def test_allowed_variables_expand_once_also_through_yaml_aliases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SINYAL_DEMO_SITE_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("SINYAL_PUBLIC_URL", "https://go.example")
    monkeypatch.setenv("FLOW_BOARD", "${SINYAL_SECRET_KEY}")  # a value is not expanded again
    path = write(
        tmp_path,
        "name: demo\ndescription: ${SINYAL_PUBLIC_URL}/x\nsources:\n"
        "  - &gh {type: greenhouse, board: '${FLOW_BOARD}', base_url: '${SINYAL_DEMO_SITE_URL}'}\n"
        "  - *gh\n",
    )
    flow = load_flow(path)
    assert flow.description == "https://go.example/x"
    assert [s["board"] for s in flow.sources] == ["${SINYAL_SECRET_KEY}"] * 2
    assert {s["base_url"] for s in flow.sources} == {"http://127.0.0.1:9999"}


def test_qualification_rules_are_checked_with_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: demo\nqualification:\n  rules:\n    - {answer: urgency, equals: asap, points: 5}\n"
        "    - {answer: shoe_size, at_least: 40, points: 5}\n",
    )
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    assert str(caught.value).startswith(f"{path}:5: qualification.rules.1.answer: ")


def test_handover_route_conditions_are_checked_with_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: demo\nhandover:\n  routes:\n    - when: {country: DE}\n")
    with pytest.raises(FlowError, match=r"flow\.yml:4: handover\.routes\.0\.when: unknown condi"):
        load_flow(path)


OUTREACH = """name: f
channel: email
variants:
  - key: A
    subject: "{{ role }} at {{ company }}"
    body: "Hello {{ first_name }}"
  - key: B
    subject: "Hi"
    body: "{{ compnay }} has open roles"
"""


def test_a_misspelt_template_name_is_caught_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, OUTREACH)
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:9: variants.1.body: template error")
    assert "'compnay' is undefined" in message and "company" in message


def test_template_syntax_errors_are_caught(tmp_path: Path) -> None:
    text = OUTREACH.replace("{{ compnay }}", "{% if %}")
    with pytest.raises(FlowError, match=r":9: variants\.1\.body: template error"):
        load_flow(write(tmp_path, text))


def test_templates_cannot_reach_python_internals(tmp_path: Path) -> None:
    text = OUTREACH.replace("{{ compnay }}", "{{ company.__class__.__mro__ }}")
    with pytest.raises(FlowError, match="template error"):
        load_flow(write(tmp_path, text))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('    subject: "Hi"\n', ""), r":3: variants: email variants need a subject"),
        (("key: B", "key: A"), r":3: variants: each variant needs its own key"),
        (("channel: email", "channel: telegram"), r":1: chat: a telegram channel flow"),
        (("channel: email", "channel: sms"), r":2: channel: Input should be"),
    ],
)
def test_outreach_sections_are_checked(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = OUTREACH.replace("{{ compnay }}", "{{ company }}").replace(*change)
    with pytest.raises(FlowError, match=expected):
        load_flow(write(tmp_path, text))


def test_thompson_floors_cannot_exceed_all_traffic(tmp_path: Path) -> None:
    text = OUTREACH.replace("{{ compnay }}", "{{ company }}")
    text += "allocation: {method: thompson, min_share: 0.5}\nexperiment: {event: won}\n"
    text = text.replace("variants:\n", "variants:\n  - {key: C, subject: s, body: b}\n")
    with pytest.raises(FlowError, match=r"allocation\.min_share: floors"):
        load_flow(write(tmp_path, text))
