import Foundation

/// The build id a linker writes into an ELF program (`NT_GNU_BUILD_ID` in a `PT_NOTE` segment,
/// what `readelf -n` shows as "Build ID"): a hash of the program, which names one build whatever
/// its file's name, dates or links. Read from the file's headers, a few hundred bytes.
enum ELFBuildID {
    static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        func bytes(at offset: UInt64, count: Int) -> [UInt8]? {
            guard count > 0, count <= 1 << 16, (try? handle.seek(toOffset: offset)) != nil,
                  let data = try? handle.read(upToCount: count), data.count == count else { return nil }
            return [UInt8](data)
        }
        // A 64-bit little-endian ELF file (x86_64 and aarch64 Linux, where folio runs).
        guard let header = bytes(at: 0, count: 64), header.starts(with: [0x7F, 0x45, 0x4C, 0x46]), header[4] == 2, header[5] == 1
        else { return nil }
        let programHeaders = header.uint64(at: 32), entrySize = Int(header.uint16(at: 54)), entries = Int(header.uint16(at: 56))
        guard entrySize >= 56, entries > 0, entries < 256, let table = bytes(at: programHeaders, count: entrySize * entries) else { return nil }
        for index in 0..<entries {
            let entry = index * entrySize
            guard table.uint32(at: entry) == 4 /* PT_NOTE */,
                  let notes = bytes(at: table.uint64(at: entry + 8), count: Int(clamping: table.uint64(at: entry + 32))) else { continue }
            var at = 0
            while at + 12 <= notes.count {
                let nameSize = Int(notes.uint32(at: at)), descSize = Int(notes.uint32(at: at + 4)), type = notes.uint32(at: at + 8)
                let name = at + 12, desc = name + ((nameSize + 3) & ~3)
                guard desc + descSize <= notes.count else { break }
                if type == 3 /* NT_GNU_BUILD_ID */, nameSize == 4, notes[name..<name + 4] == [0x47, 0x4E, 0x55, 0], descSize > 0 {
                    return notes[desc..<desc + descSize].map { String(format: "%02x", $0) }.joined()
                }
                at = desc + ((descSize + 3) & ~3)
            }
        }
        return nil
    }
}

private extension [UInt8] {
    func uint16(at offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
    func uint32(at offset: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * $1) } }
    func uint64(at offset: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(self[offset + $1]) << (8 * $1) } }
}
