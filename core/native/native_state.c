/* native_state.c - a native thread's state from its system call and frames (native_state.h). */
#include "native_state.h"

#include <stdio.h>
#include <string.h>

/* Blocking calls named by what a C programmer calls them, and other calls a blocked thread is
 * often in as "syscall NAME" (arch/x86/entry/syscalls/syscall_64.tbl). */
static const struct {
    int nr;
    const char *state;
} by_number[] = {
    {0, "read"},        {1, "write"},       {7, "poll"},          {271, "poll"},
    {23, "select"},     {270, "select"},    {232, "epoll_wait"},  {281, "epoll_wait"},
    {441, "epoll_wait"}, {43, "accept"},    {288, "accept"},      {35, "sleep"},
    {230, "sleep"},     {17, "read"},       {19, "read"},         {45, "read"},
    {47, "read"},       {18, "write"},      {20, "write"},        {44, "write"},
    {46, "write"},      {34, "syscall pause"}, {61, "syscall wait4"}, {247, "syscall waitid"},
    {128, "syscall rt_sigtimedwait"}, {130, "syscall rt_sigsuspend"}, {42, "syscall connect"},
    {72, "syscall fcntl"}, {73, "syscall flock"}, {64, "syscall semop"},
    {220, "syscall semtimedop"}, {69, "syscall msgsnd"}, {70, "syscall msgrcv"},
    {240, "syscall mq_timedsend"}, {241, "syscall mq_timedreceive"}, {299, "syscall recvmmsg"},
    {307, "syscall sendmmsg"}, {24, "syscall sched_yield"}, {219, "syscall restart_syscall"},
};

/* The lock a futex wait belongs to, from the innermost libc frame that says. */
static const struct {
    const char *part;
    const char *state;
} futex_frames[] = {
    {"lll_lock_wait", "mutex"}, {"mutex_lock", "mutex"}, {"mutex_timedlock", "mutex"},
    {"mutex_clocklock", "mutex"}, {"rwlock", "rwlock"}, {"pthread_cond_", "condition variable"},
    {"__condvar", "condition variable"},
};

/* The state of a call restarted after a stop (restart_syscall), from the wrapper still below it. */
static const struct {
    const char *part;
    const char *state;
} restarted_frames[] = {
    {"sleep", "sleep"}, {"poll", "poll"}, {"select", "select"}, {"epoll", "epoll_wait"},
};

#define FUTEX_CMD_MASK 0x7f
#define FUTEX_LOCK_PI 6
#define FUTEX_LOCK_PI2 13

static const char *from_frames(const hs_frame *frames, uint32_t n, int futex)
{
    for (uint32_t i = 0; i < n; i++) {
        const char *fn = frames[i].function;
        if (futex) {
            for (size_t k = 0; k < sizeof futex_frames / sizeof *futex_frames; k++)
                if (strstr(fn, futex_frames[k].part))
                    return futex_frames[k].state;
        } else {
            for (size_t k = 0; k < sizeof restarted_frames / sizeof *restarted_frames; k++)
                if (strstr(fn, restarted_frames[k].part))
                    return restarted_frames[k].state;
        }
    }
    return NULL;
}

/* fn is the Go function name, or name.abi0 (an assembly function's ABI0 symbol). */
static int is_go_function(const char *fn, const char *name)
{
    size_t n = strlen(name);
    return strncmp(fn, name, n) == 0 && (fn[n] == 0 || strcmp(fn + n, ".abi0") == 0);
}

const char *native_go_role(const hs_frame *frames, uint32_t nframes)
{
    int go = 0;
    for (uint32_t i = 0; i < nframes; i++) {
        const char *fn = frames[i].function;
        if (strstr(fn, "_Cfunc_") || is_go_function(fn, "runtime.asmcgocall") ||
            is_go_function(fn, "runtime.cgocall"))
            return "cgo call";
        go |= strncmp(fn, "runtime.", 8) == 0;
    }
    return go ? "go runtime" : "C";
}

int native_go_stack_end(const char *fn)
{
    static const char *const ends[] = {"runtime.mcall", "runtime.systemstack", "runtime.asmcgocall",
                                       "runtime.mstart", "runtime.rt0_go", "crosscall1"};
    for (size_t i = 0; fn && i < sizeof ends / sizeof *ends; i++)
        if (is_go_function(fn, ends[i]))
            return 1;
    return 0;
}

const char *native_state(const hs_thread *th, const hs_frame *frames, uint32_t nframes,
                         int *blocked, char *buf, size_t cap)
{
    int64_t nr = (int64_t)th->regs[HS_ORIG_RAX];
    *blocked = nr >= 0;
    if (nr < 0)
        return "running";
    /* a futex wait with a timeout restarted after a stop (Go's runtime.notetsleep, a timed
     * condition wait): the futex frame is still on the stack */
    int restarted_futex = nr == 219 && nframes > 0 && strstr(frames[0].function, "futex");
    if (nr == NATIVE_SYS_FUTEX || restarted_futex) {
        const char *s = from_frames(frames, nframes, 1);
        unsigned op = (unsigned)th->regs[HS_RSI] & FUTEX_CMD_MASK;
        return s ? s : op == FUTEX_LOCK_PI || op == FUTEX_LOCK_PI2 ? "mutex" : "futex";
    }
    const char *s = nr == 219 ? from_frames(frames, nframes, 0) : NULL;
    if (s)
        return s;
    for (size_t k = 0; k < sizeof by_number / sizeof *by_number; k++)
        if (by_number[k].nr == nr)
            return by_number[k].state;
    snprintf(buf, cap, "syscall %lld", (long long)nr);
    return buf;
}
