package hooks

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTimeFormat(t *testing.T) {
	env, _ := modTestEnv(t)
	L := modState(t, env)
	modCheck(t, L, []modCase{
		{`return require("time").format(0)`, []string{"1970-01-01T00:00:00Z"}},
		{`return require("time").format(1700000000.25, "%Y-%m-%d %H:%M:%S.%L %f")`,
			[]string{"2023-11-14 22:13:20.250 250000"}},
		{`return require("time").format(1700000000, "%a %A %b %B %d/%e %j %I%p %y %u %w %Z %z %s %F %T %%")`,
			[]string{"Tue Tuesday Nov November 14/14 318 10PM 23 2 2 UTC +0000 1700000000 2023-11-14 22:13:20 %"}},
		{`return require("time").format(86400 * 3 + 5, "day %e, %H:%M:%S")`, []string{"day  4, 00:00:05"}},
		{`return require("time").format(1700000000, "100%")`, []string{"100%"}},
	})
	for _, bad := range []string{
		`require("time").format(0, "%Q")`,
		`require("time").format(0, "%Y", "mars")`,
		`require("time").format(0/0)`,
	} {
		if _, err := modTry(L, bad); err == nil || !strings.Contains(err.Error(), "bad argument") {
			t.Errorf("%s: err = %v, want a bad argument error", bad, err)
		}
	}
}

func TestTimeNow(t *testing.T) {
	env, _ := modTestEnv(t)
	L := modState(t, env)
	before := float64(time.Now().UnixMicro()) / 1e6
	got := modStrings(t, L, `return require("time").now()`)
	after := float64(time.Now().UnixMicro()) / 1e6
	now, err := strconv.ParseFloat(got[0], 64)
	if err != nil || now < before || now > after {
		t.Fatalf("time.now() = %s, want between %f and %f", got[0], before, after)
	}
}
