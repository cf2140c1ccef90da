package hub

import (
	"testing"

	"safeguard/companion/sync/proto"
)

// FuzzParsePullQuery: the pull query string is outside input.
func FuzzParsePullQuery(f *testing.F) {
	for _, s := range []string{"after=0&limit=500", "", "after=-1", "limit=99999", "after=1&after=2", "%zz", "x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		after, limit, err := ParsePullQuery(q)
		if err == nil && (after < 0 || limit < 1 || limit > proto.MaxPullLimit) {
			t.Fatalf("accepted %q as after=%d limit=%d", q, after, limit)
		}
	})
}

// FuzzEnrolRequest: the enrolment body, read before the device is known.
func FuzzEnrolRequest(f *testing.F) {
	f.Add([]byte(`{"code":"AAAAA-BBBBB-CCCCC-DDDDD","device_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","name":"laptop"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req proto.EnrolRequest
		if err := proto.StrictUnmarshal(b, &req); err != nil {
			return
		}
		_ = hashCode(req.Code)
		if len(req.DeviceKey) == 32 {
			_ = proto.DeviceID(req.DeviceKey)
		}
	})
}
