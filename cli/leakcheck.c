/* leakcheck.c - `heapscope leakcheck [OPTIONS] -- PROGRAM [ARGS]`: runs PROGRAM under the plain
 * tracer (leakcheck_trace.h), has core's leakcheck command read it while every thread is held
 * at its exit stop, lets it finish, and exits with the program's status when it failed (a death
 * by signal is passed on by dying of the same signal), else with leakcheck's: 0, 3 (leaked) or
 * 1 (it could not be read). The report goes to stderr: stdout is the program's. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "leakcheck.h"
#include "leakcheck_trace.h"

/* Runs the leakcheck command with the user's options and the CLI's; prints its report. */
static int run_command(hs_session *s, char **opts, int nopts, const char *const *extra, int nextra)
{
    const char **argv = calloc((size_t)(nopts + nextra + 2), sizeof *argv);
    if (!argv) {
        fprintf(stderr, "heapscope leakcheck: out of memory\n");
        return HS_FAIL;
    }
    int n = 0;
    argv[n++] = "leakcheck";
    for (int i = 0; i < nopts; i++)
        argv[n++] = opts[i];
    for (int i = 0; i < nextra; i++)
        argv[n++] = extra[i];
    hs_result r = hs_session_run(s, n, argv);
    fputs(r.out, stderr);
    fputs(r.err, stderr);
    int status = r.status;
    hs_result_free(&r);
    free(argv);
    return status;
}

/* A wait status as a shell reports it: the exit code, or 128+N for a death by signal N. */
static int shell_status(int st) { return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st); }

/* At the exit stop: reads the process when it exits 0, else only records its status (--json). */
static int check_at_exit(hs_session *s, lc_trace *t, const char *program, char **opts, int nopts)
{
    char status[16], err[1024];
    snprintf(status, sizeof status, "%d", shell_status(t->exit_status));
    const char *extra[] = {"--program", program, "--exit-status", status};
    if (shell_status(t->exit_status) != 0)
        return run_command(s, opts, nopts, extra, 4);
    size_t n;
    hs_host_thread *threads = lc_threads(t, &n);
#if defined(__aarch64__)
    const char *arch = "arm64";
#else
    const char *arch = "amd64";
#endif
    hs_host_target host = {t->pid, NULL, NULL, threads, n, NULL, NULL, NULL, arch};
    int verdict;
    if (!threads || hs_session_open_host(s, &host, err, sizeof err) < 0) {
        fprintf(stderr, "heapscope leakcheck: cannot read %s as it exits: %s\n", program,
                threads ? err : "out of memory");
        verdict = HS_FAIL;
    } else {
        verdict = run_command(s, opts, nopts, extra, 4);
    }
    hs_session_close_target(s);
    free(threads);
    return verdict;
}

/* Dies of the signal that killed the program, so that whoever waits for heapscope sees what it
 * would have seen (no core file of heapscope itself). */
static int die_like(int sig, const sigset_t *mask)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    signal(sig, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    sigprocmask(SIG_SETMASK, mask, NULL);
    sigprocmask(SIG_UNBLOCK, &only, NULL);
    raise(sig);
    return 128 + sig;
}

static int usage_error(const char *why)
{
    fprintf(stderr, "heapscope leakcheck: %s\nusage: %s\n", why, hs_command_summary("leakcheck"));
    return HS_USAGE;
}

/* Traces the program to its end; returns leakcheck's verdict, *st the program's wait status. */
static int trace(hs_session *s, char **opts, int nopts, char **prog, lc_trace *t, int *st)
{
    char err[1024];
    if (lc_spawn(t, prog, err, sizeof err) < 0) {
        fprintf(stderr, "heapscope leakcheck: %s\n", err);
        *st = 127 << 8;
        return HS_FAIL;
    }
    if (err[0])
        fprintf(stderr, "heapscope leakcheck: %s\n", err);
    int verdict = HS_OK, rc = lc_run(t);
    if (rc == 1) {
        verdict = check_at_exit(s, t, prog[0], opts, nopts);
        lc_resume(t);
        rc = lc_run(t);
    }
    if (rc < 0) {
        fprintf(stderr, "heapscope leakcheck: out of memory tracing %s\n", prog[0]);
        verdict = HS_FAIL;
    }
    *st = t->reaped ? t->status : 1 << 8;
    return verdict;
}

static int dash_at(int argc, char **argv)
{
    int dash = 2;
    while (dash < argc && strcmp(argv[dash], "--") != 0)
        dash++;
    return dash;
}

int leakcheck_runs_program(int argc, char **argv) { return dash_at(argc, argv) < argc; }

int leakcheck_main(int argc, char **argv)
{
    int dash = dash_at(argc, argv);
    if (dash >= argc - 1)
        return usage_error("give the program after --");
    char **opts = argv + 2, **prog = argv + dash + 1;
    int nopts = dash - 2;
    hs_session *s = hs_session_new();
    if (!s)
        return HS_FAIL;
    const char *check[] = {"--check-options"};
    if (run_command(s, opts, nopts, check, 1) != HS_OK) {
        hs_session_free(s);
        return HS_USAGE;
    }
    lc_trace t;
    int st, verdict = trace(s, opts, nopts, prog, &t, &st);
    hs_session_free(s);
    lc_trace_free(&t);
    if (WIFSIGNALED(st))
        return die_like(WTERMSIG(st), &t.oldmask);
    if (WEXITSTATUS(st) != 0)
        return WEXITSTATUS(st);
    return verdict;
}
