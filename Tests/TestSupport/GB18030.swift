#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes UTF-8 text as GB18030 with iconv, independently of aimt's own transcoder, as a
/// Chinese Excel saves a CSV.
public func gb18030(_ text: String) -> [UInt8] {
  guard let converter = iconv_open("GB18030", "UTF-8"),
    converter != UnsafeMutableRawPointer(bitPattern: -1)
  else {
    preconditionFailure("iconv cannot encode gb18030")
  }
  defer { iconv_close(converter) }
  var input = Array(text.utf8)
  var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
  let outputCount = output.count
  let left = input.withUnsafeMutableBufferPointer { inputBuffer in
    output.withUnsafeMutableBufferPointer { outputBuffer in
      var inPointer = inputBuffer.baseAddress.map {
        UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self)
      }
      var outPointer = outputBuffer.baseAddress.map {
        UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self)
      }
      var inLeft = inputBuffer.count
      var outLeft = outputBuffer.count
      let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
      precondition(result != -1 && inLeft == 0, "iconv failed to encode gb18030")
      return outLeft
    }
  }
  return Array(output.prefix(outputCount - left))
}
