package ldaptest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// LDAP result codes the proxy answers with (RFC 4511 §4.1.9).
const (
	ResultBusy               = ldap.LDAPResultBusy               // 51: try again later
	ResultUnavailable        = ldap.LDAPResultUnavailable        // 52: server shutting down or not ready
	ResultUnwillingToPerform = ldap.LDAPResultUnwillingToPerform // 53: refused for policy
)

// Proxy forwards LDAP between a client and a real server and injects
// faults into search operations. Every other operation (bind, extended,
// abandon) passes untouched.
type Proxy struct {
	URL    string // ldap://127.0.0.1:port
	target string
	ln     net.Listener
	done   chan struct{}

	mu          sync.Mutex
	busy        int // next n searches answered busy
	unavailable int
	failPage    int // page n of every paged search fails, 0: none
	failCode    int
	slow        time.Duration
	searches    atomic.Int64
	conns       []net.Conn
}

// NewProxy listens on loopback in front of target (host:port).
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{URL: "ldap://" + ln.Addr().String(), target: target, ln: ln, done: make(chan struct{})}
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Close stops the proxy and cuts every connection.
func (p *Proxy) Close() {
	select {
	case <-p.done:
		return
	default:
	}
	close(p.done)
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

// CutAll drops every open connection, as a server that goes away does.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Busy answers the next n search requests with busy (51).
func (p *Proxy) Busy(n int) { p.mu.Lock(); p.busy = n; p.mu.Unlock() }

// Unavailable answers the next n search requests with unavailable (52).
func (p *Proxy) Unavailable(n int) { p.mu.Lock(); p.unavailable = n; p.mu.Unlock() }

// FailOnPage answers page n (1-based) of every paged search with code,
// each time it is asked for.
func (p *Proxy) FailOnPage(n, code int) { p.mu.Lock(); p.failPage, p.failCode = n, code; p.mu.Unlock() }

// Slow delays every search request by d; Close ends the delay.
func (p *Proxy) Slow(d time.Duration) { p.mu.Lock(); p.slow = d; p.mu.Unlock() }

// Searches is the number of search requests (pages) received, faulted
// ones included.
func (p *Proxy) Searches() int { return int(p.searches.Load()) }

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, client, server)
	p.mu.Unlock()
	defer client.Close()
	defer server.Close()

	var wmu sync.Mutex // one writer of whole messages to the client at a time
	go func() {
		defer client.Close()
		r := bufio.NewReader(server)
		for {
			msg, err := readMessage(r)
			if err != nil {
				return
			}
			wmu.Lock()
			_, err = client.Write(msg)
			wmu.Unlock()
			if err != nil {
				return
			}
		}
	}()

	r := bufio.NewReader(client)
	page, lastCookie := 0, []byte(nil)
	for {
		msg, err := readMessage(r)
		if err != nil {
			return
		}
		pkt, err := ber.DecodePacketErr(msg)
		if err != nil || len(pkt.Children) < 2 || pkt.Children[1].Tag != ldap.ApplicationSearchRequest {
			if _, err := server.Write(msg); err != nil {
				return
			}
			continue
		}
		p.searches.Add(1)
		id, _ := pkt.Children[0].Value.(int64)
		cookie := pagingCookie(pkt)
		switch {
		case len(cookie) == 0:
			page = 1
		case !bytes.Equal(cookie, lastCookie):
			page++
		}
		lastCookie = cookie

		code, slow := p.fault(page)
		if slow > 0 {
			select {
			case <-time.After(slow):
			case <-p.done:
				return
			}
		}
		if code != 0 {
			wmu.Lock()
			_, err := client.Write(searchDone(id, code, fmt.Sprintf("injected by the test proxy on page %d", page)))
			wmu.Unlock()
			if err != nil {
				return
			}
			continue
		}
		if _, err := server.Write(msg); err != nil {
			return
		}
	}
}

func (p *Proxy) fault(page int) (code int, slow time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.busy > 0:
		p.busy--
		code = ResultBusy
	case p.unavailable > 0:
		p.unavailable--
		code = ResultUnavailable
	case p.failPage > 0 && page == p.failPage:
		code = p.failCode
	}
	return code, p.slow
}

func pagingCookie(pkt *ber.Packet) []byte {
	if len(pkt.Children) < 3 {
		return nil
	}
	for _, c := range pkt.Children[2].Children {
		ctl, err := ldap.DecodeControl(c)
		if err != nil {
			continue
		}
		if pc, ok := ctl.(*ldap.ControlPaging); ok {
			return pc.Cookie
		}
	}
	return nil
}

func searchDone(id int64, code int, msg string) []byte {
	pkt := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	pkt.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	done := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultDone, nil, "Search Result Done")
	done.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, int64(code), "resultCode"))
	done.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
	done.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, msg, "diagnosticMessage"))
	pkt.AppendChild(done)
	return pkt.Bytes()
}

// readMessage reads one BER-framed LDAPMessage as raw bytes: a SEQUENCE
// tag, its length (short or long form) and that many bytes.
func readMessage(r *bufio.Reader) ([]byte, error) {
	tag, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	if tag != 0x30 {
		return nil, fmt.Errorf("ldaptest: not an LDAPMessage (tag %#x)", tag)
	}
	first, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	head := []byte{tag, first}
	n := int(first)
	if first&0x80 != 0 {
		k := int(first & 0x7f)
		if k == 0 || k > 4 {
			return nil, errors.New("ldaptest: unsupported BER length")
		}
		n = 0
		for range k {
			b, err := r.ReadByte()
			if err != nil {
				return nil, err
			}
			head = append(head, b)
			n = n<<8 | int(b)
		}
	}
	msg := make([]byte, len(head)+n)
	copy(msg, head)
	if _, err := io.ReadFull(r, msg[len(head):]); err != nil {
		return nil, err
	}
	return msg, nil
}
