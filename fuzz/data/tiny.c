/* tiny.c - the smallest program the core-reader fuzz target completes its cores with: static,
 * no libc, one thread that prints READY and then sleeps in pause(2) until it is killed. Its
 * gcore (compacted, tests/tools/make_core.py --compact) seeds fuzz/corpus/core_reader.
 * Build: gcc -static -nostdlib -O1 -fno-stack-protector -fno-pie -no-pie -Wl,--build-id -o tiny tiny.c */
static const char ready[] = "READY\n";
static char greeting[64] = "heapscope fuzz seed: data segment";
static long counter;

static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

void _start(void)
{
    sys3(1, 1, (long)ready, sizeof ready - 1); /* write(1, ready) */
    for (;;) {
        counter += greeting[0];
        greeting[63] = (char)counter;
        sys3(34, 0, 0, 0); /* pause() */
    }
}
