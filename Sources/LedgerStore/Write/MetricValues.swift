/// The values of one metric row in the hot path: nine numbers stored inline (no heap
/// allocation per row) and a bit mask of the ones the input gave.
package struct MetricValues: Sendable, Equatable {
  private var storage: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) =
    (0, 0, 0, 0, 0, 0, 0, 0, 0)
  /// Bit `field.index` is set for each field given.
  package private(set) var present: UInt16 = 0

  /// No values yet.
  package init() {}

  /// Gives one field.
  package mutating func set(_ field: MetricField, _ value: Int64) {
    withUnsafeMutableBytes(of: &storage) {
      $0.storeBytes(of: value, toByteOffset: field.index * 8, as: Int64.self)
    }
    present |= 1 << field.index
  }

  /// One field's value (0 when not given).
  package subscript(field: MetricField) -> Int64 {
    withUnsafeBytes(of: storage) { $0.load(fromByteOffset: field.index * 8, as: Int64.self) }
  }

  /// True when the field was given.
  package func has(_ field: MetricField) -> Bool { present & (1 << field.index) != 0 }

  /// The fields given, in `MetricField.allCases` order.
  package var fields: [MetricField] { MetricField.allCases.filter(has) }

  package static func == (lhs: MetricValues, rhs: MetricValues) -> Bool {
    lhs.present == rhs.present && MetricField.allCases.allSatisfy { lhs[$0] == rhs[$0] }
  }
}

extension MetricField {
  /// The position of the field in `MetricField.allCases`.
  package var index: Int {
    switch self {
    case .impressions: 0
    case .cost: 1
    case .gmv: 2
    case .orders: 3
    case .likes: 4
    case .comments: 5
    case .shares: 6
    case .follows: 7
    case .refund: 8
    }
  }
}
