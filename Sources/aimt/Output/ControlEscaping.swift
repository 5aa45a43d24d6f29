/// Text from data made safe to show on a terminal, and cells made safe to open in a spreadsheet.
///
/// A value in an imported file or a ledger field can hold escape sequences (`ESC ] 0 ; …`
/// retitles the terminal, `ESC [ 2 J` clears it) or bidi overrides that make text read
/// differently from what it is; a CSV cell starting with `=` is a formula to Excel.
enum ControlEscaping {
  /// Whether `scalar` must not reach a terminal as is: C0 controls (tab and newline included),
  /// DEL, C1 controls (U+0080–U+009F, among them the one-byte CSI U+009B), and the bidi
  /// embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069.
  static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
  }

  /// Whether `text` may hold an unsafe scalar, judged by its bytes alone.
  ///
  /// True for a byte below 0x20, DEL, or the first byte of a C1 control (0xC2) or of a bidi
  /// control (0xE2). Cheap, no allocation; false means certainly safe.
  @inline(__always)
  static func mayBeUnsafe(_ text: String) -> Bool {
    text.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }
  }

  /// `text` with each unsafe scalar written as Swift writes it in a literal (`\u{1b}`), except
  /// the scalars of `keeping` (`"\n"` where a line break is meant).
  static func escaped(_ text: String, keeping: String = "") -> String {
    guard mayBeUnsafe(text) else { return text }
    func escapes(_ scalar: Unicode.Scalar) -> Bool {
      isUnsafe(scalar) && !keeping.unicodeScalars.contains(scalar)
    }
    guard text.unicodeScalars.contains(where: escapes) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 16)
    for scalar in text.unicodeScalars {
      if escapes(scalar) {
        result += "\\u{" + String(scalar.value, radix: 16) + "}"
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// Whether a spreadsheet would run `text` as a formula (OWASP's list: it starts with `=`,
  /// `+`, `-`, `@`, tab or CR) and it is not just a number (`-12.5`, `+3`).
  ///
  /// Looks at the first byte only, so the usual cell costs one comparison.
  @inline(__always)
  static func looksLikeFormula(_ text: String) -> Bool {
    guard let first = text.utf8.first else { return false }
    switch first {
    case UInt8(ascii: "="), UInt8(ascii: "@"), 0x09, 0x0D: return true
    case UInt8(ascii: "+"), UInt8(ascii: "-"): return !isPlainDecimal(text)
    default: return false
    }
  }

  /// Whether `text` is a sign, digits and at most one decimal point, with at least one digit.
  static func isPlainDecimal(_ text: String) -> Bool {
    var digits = 0
    var points = 0
    for (index, byte) in text.utf8.enumerated() {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
      case UInt8(ascii: "."): points += 1
      case UInt8(ascii: "+") where index == 0, UInt8(ascii: "-") where index == 0: break
      default: return false
      }
    }
    return digits > 0 && points <= 1
  }

  /// `text` with a `'` in front when a spreadsheet would run it as a formula: Excel and
  /// LibreOffice then show it as text.
  @inline(__always)
  static func neutralised(_ text: String) -> String {
    looksLikeFormula(text) ? "'" + text : text
  }
}
