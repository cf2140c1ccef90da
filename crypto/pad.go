package crypto

// Padding. The plaintext inside the age file is padded with zero bytes so
// that its length says little about the record:
//
//   - up to 64 KiB: to the next multiple of 4 KiB (at least 4 KiB), so every
//     ordinary session record is 4, 8, 12 ... or 64 KiB;
//   - above 64 KiB: to the next power of two (128 KiB, 256 KiB, ...), which
//     costs at most 2x for the rare large record.
//
// The padded length is a pure function of the unpadded length, so the
// reader recomputes it and refuses any other amount of padding.
const (
	padStep     = 4 << 10
	padLinearTo = 64 << 10
)

func paddedLen(n int) int {
	if n <= padLinearTo {
		if n <= padStep {
			return padStep
		}
		return (n + padStep - 1) / padStep * padStep
	}
	p := padLinearTo
	for p < n {
		p <<= 1
	}
	return p
}
