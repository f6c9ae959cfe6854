/* leakcheck_spawn.c - starting the program for `heapscope leakcheck` already traced: the child
 * waits on a pipe until the parent has PTRACE_SEIZEd it, then execs, so the tracer sees the
 * program from its first instruction (see leakcheck_trace.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leakcheck_trace.h"

#define TRACE_OPTIONS \
    (PTRACE_O_TRACEEXIT | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)

/* In the child: wait for the go-ahead, then become the program. Never returns. */
static void child(char *const argv[], int go, int report, const sigset_t *mask)
{
    char c;
    sigprocmask(SIG_SETMASK, mask, NULL);
    if (read(go, &c, 1) != 1)
        _exit(127); /* the parent gave up */
    execvp(argv[0], argv);
    int e = errno;
    if (write(report, &e, sizeof e) < 0)
        _exit(127);
    _exit(e == ENOENT ? 127 : 126); /* as a shell says "not found" / "cannot execute" */
}

static void close_pair(int p[2])
{
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
}

int lc_spawn(lc_trace *t, char *const argv[], char *err, size_t errlen)
{
    int go[2] = {-1, -1}, report[2] = {-1, -1};
    memset(t, 0, sizeof *t);
    sigemptyset(&t->forward);
    sigaddset(&t->forward, SIGINT);
    sigaddset(&t->forward, SIGTERM);
    sigaddset(&t->forward, SIGQUIT);
    sigaddset(&t->forward, SIGHUP);
    sigset_t block = t->forward;
    sigaddset(&block, SIGCHLD);
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot make a pipe to start %s: %s", argv[0], strerror(errno));
        close_pair(go);
        return -1;
    }
    sigprocmask(SIG_BLOCK, &block, &t->oldmask);
    pid_t pid = fork();
    if (pid == 0)
        child(argv, go[0], report[1], &t->oldmask);
    close(go[0]);
    close(report[1]);
    if (pid < 0 || ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)TRACE_OPTIONS) < 0) {
        snprintf(err, errlen, "cannot %s %s: %s", pid < 0 ? "start" : "trace", argv[0],
                 strerror(errno));
        close(go[1]); /* the child, if any, exits 127 */
        close(report[0]);
        if (pid > 0)
            waitpid(pid, NULL, 0);
        sigprocmask(SIG_SETMASK, &t->oldmask, NULL);
        return -1;
    }
    t->pid = pid;
    int ok = write(go[1], "x", 1) == 1;
    close(go[1]);
    int e = 0;
    ssize_t n = ok ? read(report[0], &e, sizeof e) : 0;
    close(report[0]);
    if (n == (ssize_t)sizeof e) /* exec failed: the child exits 126/127, traced as any exit */
        snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(e));
    else
        err[0] = 0;
    return 0;
}
