"""What a person sees on a page, read from the browser: overflow, invisible text, covered buttons, axe-core.

Each check returns a list of findings (empty when the page is fine), worded so that a failure says where to look.
axe-core is vendored in tests/browser/vendor (see its README); the page's own Content-Security-Policy would refuse
it, so the browser context that runs it bypasses CSP.
"""

from pathlib import Path

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
# WCAG 2.1 A and AA, the level a public service is held to.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}

# The page is wider than the window: something forces a horizontal scroll (a table, a long word, an input).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && getComputedStyle(element).position !== "fixed") {
      const inside = element.closest("[data-scroll-x]");  // a container that scrolls on purpose (wide tables)
      if (!inside || inside === element) wide.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}.${[...element.classList].join(".")} right=${Math.round(box.right)}`);
    }
  }
  return wide.length ? [`page is ${document.documentElement.scrollWidth}px wide in ${width}px: ${wide.slice(0, 5).join(", ")}`] : [];
}"""

# Each visible element with text whose computed colour equals the first non-transparent background behind it.
INVISIBLE_TEXT = """() => {
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour && colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return colour;
    }
    return "rgb(255, 255, 255)";
  };
  const found = [];
  for (const element of document.querySelectorAll("a, button, label, h1, h2, h3, p, span, li, td, th, dt, dd, option, input, select")) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    const text = (element.value || element.textContent || "").trim();
    if (!box.width || !box.height || style.visibility === "hidden" || !text) continue;
    if (style.color === background(element)) found.push(`invisible text: ${element.tagName} “${text.slice(0, 20)}”`);
  }
  return found;
}"""

# A button or link-button whose centre is under another element cannot be clicked where a person sees it.
COVERED = """() => {
  const found = [];
  for (const element of document.querySelectorAll("button, .button, input[type=submit], a.choice, [role=button]")) {
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height || style.visibility === "hidden" || style.display === "none") continue;
    element.scrollIntoView({block: "center", inline: "center"});
    const moved = element.getBoundingClientRect();
    const x = moved.left + moved.width / 2, y = moved.top + moved.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) {
      found.push(`off screen: ${element.tagName} “${element.textContent.trim().slice(0, 20)}”`);
      continue;
    }
    const top = document.elementFromPoint(x, y);
    if (top && top !== element && !element.contains(top) && !(element.labels && [...element.labels].includes(top))) {
      found.push(`covered: ${element.tagName} “${element.textContent.trim().slice(0, 20)}” under ${top.tagName}.${[...top.classList].join(".")}`);
    }
  }
  window.scrollTo(0, 0);
  return found;
}"""


def axe_violations(page) -> list[str]:
    """Run axe-core on the page; return its serious and critical WCAG 2.1 AA violations, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
          const outcome = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
          return outcome.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
        }""",
        AXE_TAGS,
    )
    return [
        f"axe {violation['impact']} {violation['id']}: {violation['help']} at {', '.join(violation['targets'])}"
        for violation in result
        if violation["impact"] in AXE_FAILING_IMPACTS
    ]


def findings(page) -> list[str]:
    """Everything wrong with what the page shows now."""
    return (
        page.evaluate(OVERFLOW)
        + page.evaluate(INVISIBLE_TEXT)
        + page.evaluate(COVERED)
        + axe_violations(page)
    )
