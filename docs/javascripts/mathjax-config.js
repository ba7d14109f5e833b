// pymdownx.arithmatex (generic mode) wraps math in \( \) and \[ \] inside elements of class "arithmatex":
// MathJax typesets those and nothing else
window.MathJax = {
  tex2jax: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
    ignoreClass: ".*",
    processClass: "arithmatex"
  },
  // the served MathJax (jupyter-server-mathjax's copy) ships the STIX-Web fonts only, not MathJax's TeX
  // fonts: use those, and never a font installed on the reader's machine
  "HTML-CSS": { availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null },
  showMathMenu: false
};
