"""axe-core (vendored from the npm registry) run inside the page under test."""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
FAILING_IMPACTS = {"serious", "critical"}


def assert_accessible(page) -> None:
    """Fails on any serious or critical violation. Evaluated through the DevTools protocol, so
    the page's Content-Security-Policy stays in force."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(
        "async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations"
    )
    failing = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
    assert not failing, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in failing
    )
