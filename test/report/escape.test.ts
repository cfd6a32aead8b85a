import { describe, expect, it } from 'vitest';
import { csvCell, escapeHtml, escapeMarkdown, sanitizeTerminal, zeekString } from '../../src/report/index.js';
import { inertJson } from '../../src/report/escape.js';

describe('sanitizeTerminal', () => {
  it.each([
    ['CSI colour', 'a\x1b[31mred\x1b[0m', 'ared'],
    ['CSI clear screen', 'x\x1b[2Jy', 'xy'],
    ['OSC title ended by BEL', 'a\x1b]0;owned\x07b', 'ab'],
    ['OSC hyperlink ended by ST', '\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['8-bit CSI', 'a\x9b31mb', 'ab'],
    ['C1 NEL and other C1', 'a\x85b\x8ec', 'abc'],
    ['8-bit DCS string swallowed like a terminal would', 'a\x90payload\x9cb', 'ab'],
    ['BEL', 'ding\x07', 'ding'],
    ['CR (overwrites the line)', 'safe\rEVIL', 'safeEVIL'],
    ['backspace and DEL', 'ab\x08\x7fc', 'abc'],
    ['tab and newline become spaces', 'a\tb\nc', 'a b c'],
    ['bidi override', 'abc\u202egnp.exe', 'abcgnp.exe'],
    ['printable Unicode kept', 'Grüße 東京 ✓ — ±', 'Grüße 東京 ✓ — ±'],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeTerminal(input)).toBe(expected);
  });

  it('leaves no ESC, BEL, CR or C1 byte in any output', () => {
    const hostile = '\x1b[1;31m\x1b]2;t\x07\x1bP+q\x1b\\\x9b2J\x9d0;x\x9c\r\x07\x1bc';
    expect(sanitizeTerminal(hostile)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });
});

describe('inertJson', () => {
  it.each([
    ['DEL in text of ASCII alone', '{"ua": "a\x7fb"}', '{"ua": "a\\u007fb"}'],
    ['8-bit CSI', '{"h": "x\x9b2J"}', '{"h": "x\\u009b2J"}'],
    ['bidi override beside other Unicode', '{"v": "→ abc\u202egnp.exe"}', '{"v": "→ abc\\u202egnp.exe"}'],
    ['DEL beside other Unicode', '{"v": "± \x7f"}', '{"v": "± \\u007f"}'],
  ])('writes %s as a \\u escape', (_name, input, expected) => {
    expect(inertJson(input)).toBe(expected);
    expect(JSON.parse(inertJson(input))).toEqual(JSON.parse(input));
  });

  it('leaves text without such characters as it is', () => {
    for (const text of ['{"a": "plain ASCII, tabs\\t escaped"}', '{"v": "Grüße 東京 ✓ — ±"}', '']) expect(inertJson(text)).toBe(text);
  });
});

describe('csvCell', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['plain.example.com', 'plain.example.com'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });
});

describe('escapeHtml', () => {
  it('escapes markup and quotes so text cannot leave an element or attribute', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  });
  it('makes control characters visible as U+FFFD', () => {
    expect(escapeHtml('a\x00b\x1bc\x85d')).toBe('a\ufffdb\ufffdc\ufffdd');
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['<script>', '\\<script\\>'],
    ['[x](http://evil)', '\\[x\\](http://evil)'],
    ['`code`', '\\`code\\`'],
    ['a|b', 'a\\|b'],
    ['@admin #12', '\\@admin \\#12'],
    ['*bold* _it_', '\\*bold\\* \\_it\\_'],
    ['line\nbreak', 'line break'],
    ['liveupdate.symantec.com', 'liveupdate.symantec.com'],
  ])('%j → %j', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});

describe('zeekString', () => {
  it.each([
    ['plain', 'plain'],
    ['tab\there', 'tab\\x09here'],
    ['new\nline', 'new\\x0aline'],
    ['esc\x1b', 'esc\\x1b'],
    ['', '(empty)'],
    ['-', '\\x2d'],
    ['(empty)', '\\x28\\x65\\x6d\\x70\\x74\\x79\\x29'],
    ['with space', 'with space'],
  ])('%j → %j', (input, expected) => {
    expect(zeekString(input)).toBe(expected);
  });
  it('escapes the set separator inside set elements', () => {
    expect(zeekString('a,b', true)).toBe('a\\x2cb');
  });
  it('escapes every control, backslash and bidi control wherever it stands, and leaves any other text as it is', () => {
    const escaped = (code: number): boolean =>
      code <= 0x1f ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x5c ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069);
    for (let code = 0; code < 0x2100; code++) {
      const c = String.fromCharCode(code);
      for (const s of [`a${c}b`, `${c}ab`, `ab${c}`]) {
        const out = zeekString(s);
        if (escaped(code)) expect(out, `U+${code.toString(16)}`).toMatch(/\\x[0-9a-f]{2}/);
        else expect(out, `U+${code.toString(16)}`).toBe(s);
      }
    }
  });
});
