/* main.c - the heapscope command line: picks the target from --pid/--core/--exe, hands the rest
 * of argv to core, prints what comes back. Ctrl-C and SIGTERM stop a read cleanly: core notices,
 * the live process is detached, and heapscope exits 130/143. When stderr is a terminal, long work
 * shows how far it has got there, on one line rewritten in place and cleared at the end. */
#include <heapscope/heapscope.h>
#include "leakcheck.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

static void progress(void *ctx, const char *text)
{
    (void)ctx;
    fputs(text, stdout);
    fflush(stdout);
}

/* The progress line on a terminal: written over in place ("\r", erase to the end of the line). */
static void progress_line(void *ctx, const char *line)
{
    (void)ctx;
    fflush(stdout);
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
}

static int interrupted(void *ctx)
{
    (void)ctx;
    return got_signal != 0;
}

typedef struct cli_target {
    const char *pid, *core, *exe, *snapshot, *debug_file, *sysroot;
} cli_target;

static void usage(FILE *f)
{
    fprintf(f, "usage: heapscope COMMAND [OPTIONS] TARGET\n"
               "       TARGET is --pid PID [--snapshot fork], or --core CORE [--exe EXE]\n"
               "       (--snapshot fork: the process is stopped only to be forked, and the fork\n"
               "       is read while it runs on)\n"
               "       --debug-file FILE: the executable's separate debug information (found by\n"
               "       itself through the build-id path and .gnu_debuglink otherwise)\n"
               "       --sysroot DIR: a core's shared libraries are read from DIR/their path when\n"
               "       there (a core from another machine; HEAPSCOPE_SYSROOT says the same)\n"
               "       heapscope leakcheck [OPTIONS] -- PROGRAM [ARGS]: runs PROGRAM and checks it\n"
               "       for leaked goroutines as it exits (go test -exec 'heapscope leakcheck --')\n"
               "       heapscope help COMMAND\n\ncommands:\n");
    for (size_t i = 0; i < hs_command_count(); i++)
        fprintf(f, "  %s\n", hs_command_summary(hs_command_name(i)));
    char runtimes[256];
    hs_runtimes_supported(runtimes, sizeof runtimes);
    fprintf(f, "\nreads: %s\n", runtimes);
}

/* 1 when the command takes this option itself (watch --pid), so it is not a target option. */
static int own_option(const char *command, const char *name)
{
    for (size_t i = 0; command && hs_command_option(command, i); i++)
        if (strcmp(hs_command_option(command, i), name + 2) == 0)
            return 1;
    return 0;
}

/* Takes --pid/--core/--exe/--snapshot/--debug-file/--sysroot (as "--x V" or "--x=V") out of
 * argv; the rest stays for the command. */
static int split_target(int argc, char **argv, cli_target *t, const char **rest, int *nrest)
{
    static const char *const names[] = {"--pid", "--core", "--exe", "--snapshot", "--debug-file", "--sysroot"};
    const char **slots[] = {&t->pid, &t->core, &t->exe, &t->snapshot, &t->debug_file, &t->sysroot};
    const int nnames = (int)(sizeof names / sizeof names[0]);
    const char *command = argc > 1 ? argv[1] : NULL;
    *nrest = 0;
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL, *val = NULL;
        for (int k = 0; k < nnames && !slot; k++) {
            size_t l = strlen(names[k]);
            if (own_option(command, names[k]))
                continue;
            if (strncmp(argv[i], names[k], l) == 0 && (argv[i][l] == 0 || argv[i][l] == '=')) {
                slot = slots[k];
                val = argv[i][l] == '=' ? argv[i] + l + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!val) {
                    fprintf(stderr, "heapscope: %s needs a value\n", names[k]);
                    return -1;
                }
            }
        }
        if (slot)
            *slot = val;
        else
            rest[(*nrest)++] = argv[i];
    }
    return 0;
}

static int open_target(hs_session *s, const cli_target *t)
{
    char err[1024];
    int r = 0;
    if (t->pid && t->core) {
        fprintf(stderr, "heapscope: give either --pid or --core, not both\n");
        return 2;
    }
    if (t->snapshot && !t->pid) {
        fprintf(stderr, "heapscope: --snapshot goes with --pid\n");
        return 2;
    }
    if (t->debug_file && hs_session_set_debug_file(s, t->debug_file) < 0)
        return 1;
    if (t->sysroot && !t->core) {
        fprintf(stderr, "heapscope: --sysroot goes with --core\n");
        return 2;
    }
    struct stat st;
    if (t->sysroot && (stat(t->sysroot, &st) != 0 || !S_ISDIR(st.st_mode))) {
        fprintf(stderr, "heapscope: --sysroot %s is not a directory\n", t->sysroot);
        return 2;
    }
    if (t->sysroot)
        setenv("HEAPSCOPE_SYSROOT", t->sysroot, 1);
    if (t->pid) {
        char *end;
        long pid = strtol(t->pid, &end, 10);
        if (*end || pid <= 0) {
            fprintf(stderr, "heapscope: --pid wants a process id, not \"%s\"\n", t->pid);
            return 2;
        }
        r = hs_session_attach_pid_snapshot(s, (int)pid, t->snapshot, err, sizeof err);
    } else if (t->core) {
        r = hs_session_open_core(s, t->core, t->exe, err, sizeof err);
    } else if (t->exe) {
        fprintf(stderr, "heapscope: --exe goes with --core\n");
        return 2;
    }
    if (r < 0) {
        fprintf(stderr, "heapscope: %s\n", err);
        return 1;
    }
    return 0;
}

static int help(int argc, char **argv)
{
    if (argc < 3) {
        usage(stdout);
        return 0;
    }
    const char *h = hs_command_help(argv[2]);
    if (!h) {
        fprintf(stderr, "heapscope: no command \"%s\"\n", argv[2]);
        return 2;
    }
    fputs(h, stdout);
    return 0;
}

/* Runs the command argv names; *said_interrupted: its message already says "interrupted". */
static int run(hs_session *s, int argc, char **argv, int *said_interrupted)
{
    cli_target t = {0};
    const char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest, status;
    if (!rest || split_target(argc, argv, &t, rest, &nrest) < 0) {
        free(rest);
        return 2;
    }
    if (nrest == 0) {
        usage(stderr);
        free(rest);
        return 2;
    }
    status = hs_command_help(rest[0]) ? open_target(s, &t) : 0;
    if (status == 0) {
        hs_result r = hs_session_run(s, nrest, rest);
        fputs(r.out, stdout);
        fputs(r.err, stderr);
        *said_interrupted = strstr(r.err, "interrupted") != NULL;
        status = r.status;
        hs_result_free(&r);
    }
    free(rest);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("heapscope %s\n", HEAPSCOPE_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "help"))
        return help(argc, argv);
    if (!strcmp(argv[1], "leakcheck") && leakcheck_runs_program(argc, argv))
        return leakcheck_main(argc, argv);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: blocking waits return EINTR and check the flag */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    hs_session *s = hs_session_new();
    if (!s)
        return 1;
    hs_session_set_interrupt(s, interrupted, NULL);
    hs_session_set_progress(s, progress, NULL);
    if (isatty(STDERR_FILENO))
        hs_session_set_progress_line(s, progress_line, NULL);
    int said_interrupted = 0;
    int status = run(s, argc, argv, &said_interrupted);
    hs_session_free(s); /* detaches from a live process */
    fflush(stdout);
    if (got_signal) { /* one line: the command's own ("heap-top: interrupted"), or this */
        if (!said_interrupted)
            fprintf(stderr, "heapscope: interrupted\n");
        return 128 + got_signal;
    }
    return status;
}
