/// Display width in terminal columns, so the `table` renderer can line up Chinese text.
///
/// Counts per grapheme cluster (what the user sees as one character):
/// - East Asian Wide and Fullwidth characters (CJK ideographs, kana, Hangul, fullwidth forms
///   such as `￥` and `，`, CJK punctuation) and emoji are 2 columns;
/// - combining marks, zero-width joiners and other format or control characters add 0, so
///   `e` + U+0301 is 1 and a ZWJ emoji sequence is one 2-column picture;
/// - ANSI CSI escape sequences (`ESC [ … m`, used for bold) count 0;
/// - everything else, including East Asian Ambiguous characters such as `─`, is 1.
func displayWidth(_ text: String) -> Int {
  var width = 0
  var escape = EscapeState.none
  for character in text {
    switch escape {
    case .none:
      if character == "\u{1B}" {
        escape = .sawEscape
      } else {
        width += clusterWidth(character)
      }
    case .sawEscape:
      escape = character == "[" ? .inCSI : .none
    case .inCSI:
      // A CSI sequence ends at its final byte, 0x40...0x7E.
      if let value = character.unicodeScalars.first?.value, (0x40...0x7E).contains(value) {
        escape = .none
      }
    }
  }
  return width
}

/// Where `displayWidth` is within an ANSI escape sequence, so the sequence adds no width.
private enum EscapeState {
  /// Ordinary text.
  case none
  /// Just after ESC (the sequence's other character is skipped too).
  case sawEscape
  /// Inside `ESC [`, up to the final byte.
  case inCSI
}

/// The width of one grapheme cluster: its widest scalar, or 2 for an emoji presentation
/// (emoji + U+FE0F, keycaps) and for regional-indicator flags.
private func clusterWidth(_ character: Character) -> Int {
  if character.isASCII {
    // Printable ASCII is 1; controls (including the single cluster "\r\n") are 0.
    guard let byte = character.asciiValue else { return 0 }
    return byte >= 0x20 && byte < 0x7F ? 1 : 0
  }
  let scalars = character.unicodeScalars
  guard let base = scalars.first else { return 0 }
  if (0x1F1E6...0x1F1FF).contains(base.value) { return 2 }
  if base.properties.isEmoji, scalars.contains("\u{FE0F}") { return 2 }
  return scalars.reduce(0) { max($0, scalarWidth($1)) }
}

/// The width of one scalar on its own: 0 for marks, format and control characters, 2 for
/// East Asian Wide/Fullwidth and emoji-presentation scalars, else 1.
private func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
  let value = scalar.value
  if value < 0x300 { return value < 0x20 || (0x7F..<0xA0).contains(value) ? 0 : 1 }
  // Hangul medial vowels and final consonants join the leading consonant's syllable.
  if (0x1160...0x11FF).contains(value) || (0xD7B0...0xD7FF).contains(value) { return 0 }
  switch scalar.properties.generalCategory {
  case .nonspacingMark, .enclosingMark, .format, .control, .lineSeparator,
    .paragraphSeparator:
    return 0
  default:
    break
  }
  if isWide(value) || scalar.properties.isEmojiPresentation { return 2 }
  return 1
}

/// Whether a code point is East Asian Wide or Fullwidth, by binary search in `wideRanges`.
private func isWide(_ value: UInt32) -> Bool {
  guard value >= 0x1100 else { return false }
  var low = 0
  var high = wideRanges.count - 1
  while low <= high {
    let middle = (low + high) / 2
    let range = wideRanges[middle]
    if value < range.lowerBound {
      high = middle - 1
    } else if value > range.upperBound {
      low = middle + 1
    } else {
      return true
    }
  }
  return false
}

/// East Asian Width W and F code points (Unicode 14 EastAsianWidth.txt), sorted.
///
/// Unassigned gaps between wide ranges are folded in, and the CJK blocks that
/// EastAsianWidth.txt makes wide by default are whole, so characters added later in those
/// blocks are still 2. Emoji newer than this list are caught by `isEmojiPresentation`.
private let wideRanges: [ClosedRange<UInt32>] = [
  0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0,
  0x23F3...0x23F3, 0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F,
  0x2693...0x2693, 0x26A1...0x26A1, 0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5,
  0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA, 0x26F2...0x26F3, 0x26F5...0x26F5,
  0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B, 0x2728...0x2728,
  0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
  0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55,
  0x2E80...0x303E, 0x3041...0x3247, 0x3250...0x4DBF, 0x4E00...0xA4C6, 0xA960...0xA97C,
  0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6B, 0xFF01...0xFF60,
  0xFFE0...0xFFE6, 0x16FE0...0x18D08, 0x1AFF0...0x1B2FB, 0x1F004...0x1F004, 0x1F0CF...0x1F0CF,
  0x1F18E...0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F320, 0x1F32D...0x1F335, 0x1F337...0x1F37C,
  0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4...0x1F3F4,
  0x1F3F8...0x1F43E, 0x1F440...0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D, 0x1F54B...0x1F54E,
  0x1F550...0x1F567, 0x1F57A...0x1F57A, 0x1F595...0x1F596, 0x1F5A4...0x1F5A4, 0x1F5FB...0x1F64F,
  0x1F680...0x1F6C5, 0x1F6CC...0x1F6CC, 0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6DF, 0x1F6EB...0x1F6EC,
  0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7F0, 0x1F90C...0x1F93A, 0x1F93C...0x1F945, 0x1F947...0x1F9FF,
  0x1FA70...0x1FAF6, 0x20000...0x3FFFD,
]
