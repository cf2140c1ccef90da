package client

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Refusals of CheckHubURL, in words a person reads on the enrolment screen.
var (
	ErrHubURL = errors.New("the hub address should look like https://hub.example.org:8443; check it against what your ICT administrator sent")
	// ErrPlainHTTP: the hub is elsewhere on the network and not on https.
	ErrPlainHTTP = errors.New("the hub address starts with http://, which is not encrypted: anyone on the network between this computer and the hub could read or change what passes, so a hub on another computer must use an https:// address. Ask your ICT administrator for it")
)

// CheckHubURL accepts an https:// hub address, or an http:// one only on
// this computer's loopback (a hub run for a demonstration or a test): a
// request over plain HTTP elsewhere could be read and altered on the way,
// and an enrolment over it could be answered by someone else entirely.
func CheckHubURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return ErrHubURL
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w (%s)", ErrPlainHTTP, u.Host)
	}
	return ErrHubURL
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
