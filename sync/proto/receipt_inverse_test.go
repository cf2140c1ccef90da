package proto

import "encoding/binary"

// appendTo is parseReceipt's inverse, for the fuzz target's
// one-encoding check (FuzzParseReceipt); the app never writes a receipt it
// parsed, so this lives with the tests.
func (p parsedReceipt) appendTo(dst []byte) []byte {
	dst = append(dst, receiptMagic...)
	dst = append(dst, p.statement...)
	dst = append(dst, p.sig...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(p.index))
	dst = append(dst, p.leaf...)
	dst = append(dst, byte(len(p.path)))
	for _, h := range p.path {
		dst = append(dst, h[:]...)
	}
	return dst
}
