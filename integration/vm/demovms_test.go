package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGuest plays demo-vms.sh's side of the coordination protocol: it
// says hello, then "at PHASE" for each phase and waits for "go PHASE",
// failing at failAt if set. It records the host's lines.
func fakeGuest(t *testing.T, addr, vm, failAt string, log func(string)) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "hello %s\n", vm)
	for _, p := range demoPhases {
		if p.name == failAt {
			fmt.Fprintf(c, "fail %s: broken at %s\n", vm, p.name)
			log(vm + " failed")
			return
		}
		fmt.Fprintf(c, "at %s\n", p.name)
		line, err := r.ReadString('\n')
		if err != nil {
			log(vm + " lost the host")
			return
		}
		line = strings.TrimSpace(line)
		log(vm + " " + line)
		if strings.HasPrefix(line, "abort") {
			return
		}
	}
}

func TestCoordinator(t *testing.T) {
	for _, tc := range []struct {
		name, failVM, failAt string
		wantErr              string
		want                 []string // lines that must appear in this order
	}{
		{name: "all pass",
			// The members start one after the other; then all go on.
			want: []string{"vm1 go member", "vm2 go member", "vm3 go member", "vm1 go done"}},
		{name: "vm2 fails at ap", failVM: "vm2", failAt: "ap", wantErr: "vm2 failed: vm2: broken at ap",
			want: []string{"vm2 failed", "vm1 abort vm2 failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			c := &coordinator{events: make(chan demoEvent, 64), conns: map[string]net.Conn{}, at: map[string]string{}, exited: map[string]bool{}}
			go c.accept(l)
			defer c.closeConns()
			var mu sync.Mutex
			var got []string
			log := func(s string) { mu.Lock(); got = append(got, s); mu.Unlock() }
			var wg sync.WaitGroup
			for _, vm := range demoVMs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					failAt := ""
					if vm == tc.failVM {
						failAt = tc.failAt
					}
					fakeGuest(t, l.Addr().String(), vm, failAt, log)
				}()
			}
			err = c.walk(context.Background(), 20*time.Second)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("walk: %v, want error %q", err, tc.wantErr)
			}
			if err != nil {
				c.broadcast("abort " + err.Error())
			}
			wg.Wait()
			i := 0
			for _, g := range got {
				if i < len(tc.want) && strings.HasPrefix(g, tc.want[i]) {
					i++
				}
			}
			if i < len(tc.want) {
				t.Errorf("the guests saw %q; want %q in this order", got, tc.want)
			}
		})
	}
}
