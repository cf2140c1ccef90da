package crypto

import "math/bits"

// Padding. The plaintext inside the age file is padded with zero bytes so
// that its length says little about the record:
//
//   - up to 64 KiB: to the next multiple of 4 KiB (at least 4 KiB), so every
//     ordinary session record is 4, 8, 12 ... or 64 KiB long;
//   - above 64 KiB: Padmé (Nikitin et al., "Reducing Metadata Leakage from
//     Encrypted Files and Communication with PURBs", PETS 2019): round up so
//     that only the top ~log2(log2 n) bits of the length remain, which leaks
//     O(log log n) bits and costs at most ~12% (about 3% at 1 MB), instead
//     of the 2x a power-of-two step would cost for large attachments.
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
	e := bits.Len(uint(n)) - 1 // floor(log2 n)
	s := bits.Len(uint(e))     // floor(log2 e) + 1
	mask := 1<<(e-s) - 1
	return (n + mask) &^ mask
}
