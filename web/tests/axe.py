"""axe-core in a Playwright page: the WCAG 2.1 A and AA rules, failing on serious and critical.

axe.min.js comes from npm (package.json at the repository root; `make test` installs it). It is
put into the page with `page.evaluate`, which Chromium runs through the DevTools protocol: the
pages' Content-Security-Policy (no inline scripts) would block `page.add_script_tag`.
"""

from __future__ import annotations

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")

_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""

# The page's skeleton, language aside: landmarks, headings, form controls, tables and links.
_OUTLINE = """() => {
  const all = (selector) => [...document.querySelectorAll(selector)];
  const landmark = (e) => e.getAttribute("role") || e.tagName.toLowerCase();
  return {
    landmarks: all("header, nav, main, footer, aside, [role]").map(landmark),
    headings: all("h1, h2, h3, h4, h5, h6").map((h) => h.tagName),
    controls: all("input:not([type=hidden]), select, textarea, button").map((e) => e.tagName + ":" + (e.type || "")),
    labelled: all("input:not([type=hidden]), select, textarea").filter((e) => e.labels && e.labels.length).length,
    tables: all("table").map((t) => t.rows.length).sort(),  // sorted: admin orders apps by their name
    links: all("a[href]").length,
    images: all("img, svg[role=img]").length,
  };
}"""


def axe_violations(page, axe_source: str) -> list[dict]:
    """Every WCAG 2.1 A/AA violation that axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(_RUN, AXE_TAGS)


def failing(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def describe(where: str, violations: list[dict], *, nodes_shown: int = 5) -> str:
    """One readable paragraph per rule: its id, impact, help and the elements that fail it."""
    lines = [f"{where}:"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:nodes_shown]:
            summary = " ".join(node["summary"].split())
            lines.append(f"      {node['target']}  —  {summary[:300]}")
        if len(violation["nodes"]) > nodes_shown:
            lines.append(f"      … and {len(violation['nodes']) - nodes_shown} more")
    return "\n".join(lines)


def outline(page) -> dict:
    return page.evaluate(_OUTLINE)
