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
  showMathMenu: false
};
