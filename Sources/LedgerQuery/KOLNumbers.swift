/// The KOLs of a directory's videos numbered 0, 1, … in the order first met, and each slot's
/// KOL number: what the decisions keep per KOL (the account weight, the followers on a day) is
/// then an array read by number, where a dictionary keyed by the KOL's id hashed the id once
/// per video (docs/internals.md, "Decisions at scale").
struct KOLNumbers {
  /// The KOL ids, by number.
  private(set) var ids: [String] = []
  /// Per slot: the number of its video's KOL, -1 when the video has none.
  private var numberOfSlot: [Int32] = []
  private var numberOfID: [String: Int32] = [:]

  /// No KOL, no slot.
  init() {}

  /// How many slots are numbered.
  var slots: Int { numberOfSlot.count }

  /// The number of the KOL of the video in `slot`; nil when it has none.
  func number(ofSlot slot: Int) -> Int? {
    let number = numberOfSlot[slot]
    return number < 0 ? nil : Int(number)
  }

  /// Numbers the next slot, whose video's KOL is `kolID`.
  mutating func append(_ kolID: String?) {
    numberOfSlot.append(kolID.map { number(of: $0) } ?? -1)
  }

  /// Numbers the slots of `other` after these (the second half of a directory read in two),
  /// its KOLs renumbered: one already here keeps its number, a new one takes the next.
  mutating func append(contentsOf other: KOLNumbers) {
    let renumbered = other.ids.map { number(of: $0) }
    numberOfSlot.reserveCapacity(numberOfSlot.count + other.numberOfSlot.count)
    for number in other.numberOfSlot {
      numberOfSlot.append(number < 0 ? -1 : renumbered[Int(number)])
    }
  }

  /// The number of `kolID`, given the next one when it is new.
  private mutating func number(of kolID: String) -> Int32 {
    if let number = numberOfID[kolID] { return number }
    let number = Int32(ids.count)
    numberOfID[kolID] = number
    ids.append(kolID)
    return number
  }
}
