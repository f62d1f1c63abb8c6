package images

import (
	"encoding/binary"
	"fmt"
)

// The pause program, as hand-assembled machine code in a minimal static ELF.
//
// What it does, on both architectures:
//
//	rt_sigaction(SIGTERM, &onTerm, NULL, 8)   // handler: exit_group(0)
//	rt_sigaction(SIGINT,  &onTerm, NULL, 8)
//	rt_sigaction(SIGCHLD, &ignore, NULL, 8)   // SIG_IGN + SA_NOCLDWAIT
//	for (;;) pause()                          // ppoll(NULL, 0, NULL, NULL, 0) on arm64
//
// Why the handlers: the pause process is PID 1 of the pod's PID namespace,
// and the kernel drops signals whose action is the default for such a
// process, so without a handler SIGTERM would be ignored and a runtime that
// stops the sandbox with TERM first would wait out its timeout before KILL.
// With SIGCHLD set to SIG_IGN the kernel reaps children itself, which is what
// upstream pause's reaper does for pods with shareProcessNamespace (orphans
// are reparented to PID 1). No Go runtime: the binary is a few hundred bytes
// instead of ~1 MB, and it never touches memory besides its code page.

const (
	loadAddr = 0x400000
	ehdrSize = 64
	phdrSize = 56
	codeOff  = ehdrSize + phdrSize // code starts right after the one program header

	sigINT  = 2
	sigTERM = 15
	sigCHLD = 17

	saNoCldWait = 0x2
	saRestorer  = 0x04000000
	sigIgn      = 1
)

// pauseELF returns the pause binary for goarch ("amd64" or "arm64").
func pauseELF(goarch string) ([]byte, error) {
	var code []byte
	var machine uint16
	switch goarch {
	case "amd64":
		code, machine = pauseAMD64(), 62 // EM_X86_64
	case "arm64":
		code, machine = pauseARM64(), 183 // EM_AARCH64
	default:
		return nil, fmt.Errorf("images: no pause program for GOARCH %s (only amd64 and arm64)", goarch)
	}
	return elf64(machine, code), nil
}

// elf64 wraps code in an ELF64 executable with a single PT_LOAD segment that
// maps the whole file read+execute at loadAddr; the entry point is the first
// byte of code.
func elf64(machine uint16, code []byte) []byte {
	le := binary.LittleEndian
	size := uint64(codeOff + len(code))
	b := make([]byte, codeOff, size)
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 2, 1, 1 // ELFCLASS64, little endian, EV_CURRENT
	le.PutUint16(b[16:], 2)    // ET_EXEC
	le.PutUint16(b[18:], machine)
	le.PutUint32(b[20:], 1) // EV_CURRENT
	le.PutUint64(b[24:], loadAddr+codeOff)
	le.PutUint64(b[32:], ehdrSize) // e_phoff
	le.PutUint16(b[52:], ehdrSize)
	le.PutUint16(b[54:], phdrSize)
	le.PutUint16(b[56:], 1) // e_phnum
	le.PutUint16(b[58:], 64)

	ph := b[ehdrSize:]
	le.PutUint32(ph[0:], 1)         // PT_LOAD
	le.PutUint32(ph[4:], 5)         // PF_R|PF_X
	le.PutUint64(ph[16:], loadAddr) // p_vaddr
	le.PutUint64(ph[24:], loadAddr) // p_paddr
	le.PutUint64(ph[32:], size)     // p_filesz
	le.PutUint64(ph[40:], size)     // p_memsz
	le.PutUint64(ph[48:], 0x1000)   // p_align
	return append(b, code...)
}

// sigaction is the kernel's struct sigaction on x86-64 and arm64:
// handler, flags, restorer, mask (8 bytes each).
func sigaction(handler, flags, restorer uint64) []byte {
	b := make([]byte, 32)
	binary.LittleEndian.PutUint64(b[0:], handler)
	binary.LittleEndian.PutUint64(b[8:], flags)
	binary.LittleEndian.PutUint64(b[16:], restorer)
	return b
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func pauseAMD64() []byte {
	const (
		sysRtSigaction = 13
		sysPause       = 34
		sysExitGroup   = 231
	)
	movESI := func(v uint32) []byte { return cat([]byte{0xbe}, u32(v)) }
	movEDI := func(v uint32) []byte { return cat([]byte{0xbf}, u32(v)) }
	movEAX := func(v uint32) []byte { return cat([]byte{0xb8}, u32(v)) }
	syscall := []byte{0x0f, 0x05}

	// Layout: text, then handler, then (8-aligned) the two sigaction structs.
	// Sizes are fixed, so addresses are computed from them up front.
	const (
		textLen    = 5 + 5 + 2 + 6 + 5 + 2 + 5 + 5 + 2 + 5 + 5 + 5 + 2 + 5 + 2 + 2
		handlerLen = 2 + 5 + 2
	)
	base := uint32(loadAddr + codeOff)
	handler := base + textLen
	structs := (handler + handlerLen + 7) &^ 7
	onTerm, ignore := structs, structs+32

	text := cat(
		movESI(onTerm), movEDI(sigTERM),
		[]byte{0x31, 0xd2},         // xor edx, edx      (oldact = NULL)
		[]byte{0x41, 0xba}, u32(8), // mov r10d, 8       (sigsetsize)
		movEAX(sysRtSigaction), syscall, // rsi, rdx, r10 survive syscall
		movEDI(sigINT), movEAX(sysRtSigaction), syscall,
		movESI(ignore), movEDI(sigCHLD), movEAX(sysRtSigaction), syscall,
		movEAX(sysPause), syscall, // loop:
		[]byte{0xeb, 0xf7}, // jmp loop (-9)
	)
	hand := cat(
		[]byte{0x31, 0xff}, // xor edi, edi
		movEAX(sysExitGroup), syscall,
	)
	if len(text) != textLen || len(hand) != handlerLen {
		panic("images: pause amd64 layout")
	}
	code := cat(text, hand)
	code = append(code, make([]byte, int(structs-base)-len(code))...)
	// x86-64 delivers a signal only if the handler has SA_RESTORER (the
	// return trampoline); ours never returns, so any address will do.
	return cat(code, sigaction(uint64(handler), saRestorer, uint64(handler)), sigaction(sigIgn, saNoCldWait, 0))
}

func pauseARM64() []byte {
	const (
		sysPpoll       = 73
		sysExitGroup   = 94
		sysRtSigaction = 134
	)
	movz := func(rd, imm uint32) []byte { return u32(0xd2800000 | imm<<5 | rd) } // movz xRd, #imm
	svc := u32(0xd4000001)                                                       // svc #0
	adr := func(rd uint32, off int32) []byte {                                   // adr xRd, pc+off
		imm := uint32(off) & 0x1fffff
		return u32(imm&3<<29 | 0x10000000 | (imm>>2)<<5 | rd)
	}
	b := func(off int32) []byte { return u32(0x14000000 | uint32(off/4)&0x3ffffff) } // b pc+off

	const (
		textInsns    = 17
		handlerInsns = 3
	)
	handler := int32(textInsns * 4)
	structs := (handler + handlerInsns*4 + 7) &^ 7
	onTerm, ignore := structs, structs+32
	pc := func(i int32) int32 { return i * 4 }

	text := cat(
		adr(1, onTerm-pc(0)), // x1 = &onTerm
		movz(0, sigTERM),
		movz(2, 0),                   // oldact = NULL
		movz(3, 8),                   // sigsetsize
		movz(8, sysRtSigaction), svc, // x1-x3 survive svc
		movz(0, sigINT), svc,
		adr(1, ignore-pc(8)), movz(0, sigCHLD), svc,
		// loop (insn 11): ppoll(NULL, 0, NULL, NULL, 0) sleeps until a signal.
		movz(0, 0), movz(1, 0), movz(3, 0), movz(8, sysPpoll), svc,
		b(pc(11)-pc(16)),
	)
	hand := cat(movz(0, 0), movz(8, sysExitGroup), svc)
	if len(text) != textInsns*4 || len(hand) != handlerInsns*4 {
		panic("images: pause arm64 layout")
	}
	code := cat(text, hand)
	code = append(code, make([]byte, int(structs)-len(code))...)
	return cat(code, sigaction(loadAddr+codeOff+uint64(handler), saRestorer, loadAddr+codeOff+uint64(handler)), sigaction(sigIgn, saNoCldWait, 0))
}
