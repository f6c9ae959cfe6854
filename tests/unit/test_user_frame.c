/* test_user_frame.c - the frame snapshot-diff and watch name a goroutine group by: the first frame
 * of the program's own code, on stacks as runtime.Stack prints them for a GOROOT build, a
 * -trimpath build, a module with a domain, generic names, and runtime-only goroutines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>

#include "snapshot/user_frame.h"

/* frames: "function|file" pairs, innermost first; returns the picked function name. */
static const char *pick(const char *const *frames, size_t n, cJSON **keep)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        char fn[256];
        const char *bar = strchr(frames[i], '|');
        snprintf(fn, sizeof fn, "%.*s", (int)(bar - frames[i]), frames[i]);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "function", fn);
        cJSON_AddStringToObject(f, "file", bar + 1);
        cJSON_AddItemToArray(arr, f);
    }
    *keep = arr;
    const cJSON *p = snapshot_user_frame(arr);
    return p ? cJSON_GetObjectItemCaseSensitive(p, "function")->valuestring : NULL;
}

#define PICK(expect, ...)                                                                           \
    do {                                                                                            \
        static const char *const fr[] = {__VA_ARGS__};                                              \
        cJSON *keep;                                                                                \
        assert_string_equal(pick(fr, sizeof fr / sizeof fr[0], &keep), expect);                    \
        cJSON_Delete(keep);                                                                         \
    } while (0)

#define R "/usr/lib/go-1.26/src/"

static void test_net_read_names_the_handler(void **state)
{
    (void)state;
    PICK("main.handle", "runtime.gopark|" R "runtime/proc.go", "runtime.netpollblock|" R "runtime/netpoll.go",
         "internal/poll.runtime_pollWait|" R "runtime/netpoll.go",
         "internal/poll.(*pollDesc).wait|" R "internal/poll/fd_poll_runtime.go",
         "internal/poll.(*FD).Read|" R "internal/poll/fd_unix.go", "net.(*conn).Read|" R "net/net.go",
         "main.handle|/home/u/svc/main.go", "main.serve.gowrap1|/home/u/svc/main.go");
}

static void test_mutex_and_module_domain(void **state)
{
    (void)state;
    PICK("github.com/nats-io/nats-server/v2/server.(*client).processMsg",
         "runtime.gopark|" R "runtime/proc.go", "runtime.semacquire1|" R "runtime/sema.go",
         "sync.runtime_SemacquireMutex|" R "runtime/sema.go", "sync.(*Mutex).lockSlow|" R "sync/mutex.go",
         "sync.(*Mutex).Lock|" R "sync/mutex.go",
         "github.com/nats-io/nats-server/v2/server.(*client).processMsg|/go/pkg/mod/github.com/nats-io/"
         "nats-server/v2@v2.10.0/server/client.go");
}

static void test_trimpath_decides_by_import_path(void **state)
{
    (void)state;
    PICK("example.com/svc/store.(*Cache[go.shape.string]).Get", "runtime.gopark|runtime/proc.go",
         "sync.(*Cond).Wait|sync/cond.go", "sync.OnceValue[example.com/x.T].func1|sync/oncefunc.go",
         "example.com/svc/store.(*Cache[go.shape.string]).Get|example.com/svc/store/cache.go");
    PICK("main.worker", "runtime.gopark|runtime/proc.go", "time.Sleep|runtime/time.go",
         "main.worker|command-line-arguments/main.go");
}

static void test_distribution_only_goroutines(void **state)
{
    (void)state;
    /* the runtime's own goroutines: the first frame outside package runtime, else the first */
    PICK("os/signal.signal_recv", "runtime.gopark|" R "runtime/proc.go",
         "os/signal.signal_recv|" R "runtime/sigqueue.go", "os/signal.loop|" R "os/signal/signal_unix.go");
    PICK("runtime.gopark", "runtime.gopark|" R "runtime/proc.go", "runtime.bgsweep|" R "runtime/mgcsweep.go",
         "runtime.gcenable.gowrap1|" R "runtime/mgc.go");
}

static void test_not_frames(void **state)
{
    (void)state;
    cJSON *empty = cJSON_CreateArray(), *obj = cJSON_CreateObject();
    assert_null(snapshot_user_frame(empty));
    assert_null(snapshot_user_frame(obj));
    assert_null(snapshot_user_frame(NULL));
    cJSON_Delete(empty);
    cJSON_Delete(obj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_read_names_the_handler),
        cmocka_unit_test(test_mutex_and_module_domain),
        cmocka_unit_test(test_trimpath_decides_by_import_path),
        cmocka_unit_test(test_distribution_only_goroutines),
        cmocka_unit_test(test_not_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
