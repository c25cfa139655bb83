package hdf5

import "bytes"

// Object header message types used by the reader.
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgGroupInfo    = 0x0A
	msgFilters      = 0x0B
	msgAttribute    = 0x0C
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

// Header message flag bits.
const (
	msgFlagShared        = 0x02 // the message is stored elsewhere (shared)
	msgFlagFailIfUnknown = 0x80 // readers that do not know the type must fail
)

// maxHeaderBlocks limits the continuation blocks of one object header. Real
// files use a handful; the limit keeps the overlap check cheap.
const maxHeaderBlocks = 1024

// message is one object header message.
type message struct {
	typ   uint16
	flags uint8
	data  []byte
	off   int64 // file offset of data, for error messages
}

// objectHeader is the list of messages of one object.
type objectHeader struct {
	addr uint64
	msgs []message
}

// find returns the first message of the given type.
func (oh *objectHeader) find(typ uint16) (message, bool) {
	for _, m := range oh.msgs {
		if m.typ == typ {
			return m, true
		}
	}
	return message{}, false
}

// readObjectHeader parses a version-1 object header at addr and every
// continuation block it refers to.
func (p *parser) readObjectHeader(addr uint64) (*objectHeader, error) {
	f := p.f
	prefix, err := f.at(addr, 16, "object header")
	if err != nil {
		return nil, err
	}
	off := f.fileOffset(addr)
	if bytes.Equal(prefix[:4], []byte("OHDR")) {
		return nil, unsupported("version 2 object header (at offset %#x)", off)
	}
	if prefix[0] != 1 {
		return nil, errorf("unknown object header version %d at offset %#x", prefix[0], off)
	}
	d := f.newDecoder(prefix, off, "object header")
	d.skip(2)            // version, reserved
	d.skip(2)            // message count: redundant with the blocks' contents
	d.skip(4)            // reference count
	firstSize := d.u32() // bytes of messages in the first block
	// The 12-byte prefix is padded to 16 so that messages stay 8-aligned.

	oh := &objectHeader{addr: addr}
	// Continuation blocks may be chained in any order. Each block is parsed
	// at most once and blocks may not overlap, which bounds the work by the
	// file size even for a hostile file.
	type block struct{ addr, size uint64 }
	queue := []block{{addr + 16, uint64(firstSize)}}
	var seen []block
	for len(queue) > 0 {
		b := queue[0]
		queue = queue[1:]
		if len(seen) == maxHeaderBlocks {
			return nil, errorf("object header at offset %#x has more than %d continuation blocks", off, maxHeaderBlocks)
		}
		for _, s := range seen {
			if b.addr < s.addr+s.size && s.addr < b.addr+b.size || b.addr == s.addr {
				return nil, errorf("object header at offset %#x: continuation block at offset %#x overlaps another block",
					off, f.fileOffset(b.addr))
			}
		}
		seen = append(seen, b)
		data, err := f.at(b.addr, b.size, "object header block")
		if err != nil {
			return nil, err
		}
		if err := p.spend(len(data)+16, off); err != nil {
			return nil, err
		}
		d := f.newDecoder(data, f.fileOffset(b.addr), "object header message")
		// A gap smaller than a message header may follow the last message.
		for d.remaining() >= 8 {
			m := message{typ: d.u16()}
			size := int(d.u16())
			m.flags = d.u8()
			d.skip(3)
			m.off = d.offset()
			m.data = d.take(size)
			if d.err != nil {
				return nil, errorf("object header at offset %#x: message of type %#x at offset %#x overruns its block",
					off, m.typ, m.off-8)
			}
			if m.typ == msgContinuation {
				cd := f.newDecoder(m.data, m.off, "continuation message")
				next := block{cd.addr(), cd.length()}
				if cd.err != nil {
					return nil, cd.err
				}
				queue = append(queue, next)
				continue
			}
			if m.typ != msgNil {
				oh.msgs = append(oh.msgs, m)
			}
		}
	}
	return oh, oh.checkFlags()
}

// knownMessages are the message types the reader interprets or may safely
// skip.
var knownMessages = map[uint16]bool{
	0x00: true, 0x01: true, 0x02: true, 0x03: true, 0x04: true, 0x05: true,
	0x06: true, 0x07: true, 0x08: true, 0x09: true, 0x0A: true, 0x0B: true,
	0x0C: true, 0x0D: true, 0x0E: true, 0x0F: true, 0x10: true, 0x11: true,
	0x12: true, 0x13: true, 0x14: true, 0x15: true, 0x16: true,
}

// checkFlags rejects messages the reader cannot honour: shared copies of
// messages it needs, and unknown types flagged as mandatory.
func (oh *objectHeader) checkFlags() error {
	for _, m := range oh.msgs {
		if !knownMessages[m.typ] && m.flags&msgFlagFailIfUnknown != 0 {
			return unsupported("object header message type %#x (at offset %#x)", m.typ, m.off)
		}
		if m.flags&msgFlagShared != 0 {
			switch m.typ {
			case msgDatatype:
				return unsupported("shared (committed) datatype (at offset %#x)", m.off)
			case msgDataspace, msgFill, msgFilters, msgAttribute, msgLayout:
				return unsupported("shared object header message of type %#x (at offset %#x)", m.typ, m.off)
			}
		}
	}
	return nil
}
