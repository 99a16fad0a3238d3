/*
 * vm - an interpreter-style workload: a small stack-based bytecode machine (switch dispatch,
 * call frames, a data heap) runs a program assembled at start-up that counts primes by trial
 * division, runs a recursive function and shuffles an array. Measures indirect branches,
 * unpredictable dispatch and many small loads/stores: the typical profile of scripting engines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile int32_t prime_limit = 400000;
static volatile int32_t ack_n = 26;
static volatile int32_t shuffle_rounds = 400;

enum op {
    OP_HALT, OP_PUSH, OP_POP, OP_DUP, OP_LOCAL, OP_SETLOCAL, OP_ADD, OP_SUB, OP_MUL, OP_DIVU,
    OP_REMU, OP_LT, OP_EQ, OP_AND, OP_XOR, OP_SHL, OP_SHRU, OP_JMP, OP_JZ, OP_JNZ, OP_CALL,
    OP_RET, OP_LOAD, OP_STORE,
};

#define CODE_MAX 1024
#define STACK_MAX 4096
#define FRAMES_MAX 256
#define HEAP_WORDS 4096

typedef struct assembler {
    int32_t code[CODE_MAX];
    int32_t len;
} asm_t;

static int32_t emit(asm_t *a, int32_t v)
{
    if (a->len >= CODE_MAX) {
        fputs("code overflow\n", stderr);
        exit(1);
    }
    a->code[a->len] = v;
    return a->len++;
}

static void op0(asm_t *a, enum op o)
{
    emit(a, (int32_t)o);
}

static int32_t op1(asm_t *a, enum op o, int32_t imm)
{
    emit(a, (int32_t)o);
    return emit(a, imm);
}

static void patch(asm_t *a, int32_t at, int32_t target)
{
    a->code[at] = target;
}

typedef struct frame {
    int32_t ret_pc;
    int32_t base; /* stack index of local 0 */
    int32_t nargs;
} frame_t;

/* Executes from pc 0 until HALT; returns the top of stack. CALL's immediate is a target pc,
 * followed by an argument count word; locals beyond the arguments live above them. */
static int32_t run(const int32_t *code, int32_t *heap, uint64_t *steps_out)
{
    int32_t *stack = malloc(STACK_MAX * sizeof *stack);
    frame_t *frames = malloc(FRAMES_MAX * sizeof *frames);
    if (!stack || !frames) {
        fputs("out of memory\n", stderr);
        exit(1);
    }
    int32_t sp = 0, fp = 0, pc = 0;
    uint64_t steps = 0;
    frames[0].base = 0;
    frames[0].ret_pc = -1;
    frames[0].nargs = 0;
    sp = 8; /* main's locals */
    for (;;) {
        steps++;
        int32_t op = code[pc++];
        int32_t *locals = stack + frames[fp].base;
        uint32_t a, b;
        switch (op) {
        case OP_HALT: {
            int32_t r = stack[sp - 1];
            free(stack);
            free(frames);
            *steps_out = steps;
            return r;
        }
        case OP_PUSH: stack[sp++] = code[pc++]; break;
        case OP_POP: sp--; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_LOCAL: stack[sp++] = locals[code[pc++]]; break;
        case OP_SETLOCAL: locals[code[pc++]] = stack[--sp]; break;
#define BIN(expr) b = (uint32_t)stack[--sp]; a = (uint32_t)stack[sp - 1]; stack[sp - 1] = (int32_t)(expr); break
        case OP_ADD: BIN(a + b);
        case OP_SUB: BIN(a - b);
        case OP_MUL: BIN(a * b);
        case OP_DIVU: BIN(a / b);
        case OP_REMU: BIN(a % b);
        case OP_LT: BIN((int32_t)a < (int32_t)b);
        case OP_EQ: BIN(a == b);
        case OP_AND: BIN(a & b);
        case OP_XOR: BIN(a ^ b);
        case OP_SHL: BIN(a << (b & 31));
        case OP_SHRU: BIN(a >> (b & 31));
#undef BIN
        case OP_JMP: pc = code[pc]; break;
        case OP_JZ: pc = stack[--sp] == 0 ? code[pc] : pc + 1; break;
        case OP_JNZ: pc = stack[--sp] != 0 ? code[pc] : pc + 1; break;
        case OP_CALL: {
            int32_t target = code[pc], nargs = code[pc + 1];
            if (fp + 1 >= FRAMES_MAX || sp + 16 >= STACK_MAX) {
                fputs("vm stack overflow\n", stderr);
                exit(1);
            }
            fp++;
            frames[fp].ret_pc = pc + 2;
            frames[fp].base = sp - nargs;
            frames[fp].nargs = nargs;
            sp += 4; /* room for four extra locals */
            pc = target;
            break;
        }
        case OP_RET: {
            int32_t r = stack[sp - 1];
            sp = frames[fp].base;
            pc = frames[fp].ret_pc;
            fp--;
            stack[sp++] = r;
            break;
        }
        case OP_LOAD: stack[sp - 1] = heap[(uint32_t)stack[sp - 1] % HEAP_WORDS]; break;
        case OP_STORE: {
            int32_t v = stack[--sp];
            int32_t addr = stack[--sp];
            heap[(uint32_t)addr % HEAP_WORDS] = v;
            break;
        }
        default:
            fprintf(stderr, "bad opcode %d\n", (int)op);
            exit(1);
        }
    }
}

/* Emits a call: CALL target nargs. Returns the position of the target word for patching. */
static int32_t call(asm_t *a, int32_t target, int32_t nargs)
{
    int32_t at = op1(a, OP_CALL, target);
    emit(a, nargs);
    return at;
}

int main(void)
{
    static asm_t a;
    static int32_t heap[HEAP_WORDS];

    /* main: locals 0 = i, 1 = count, 2 = sum, 3 = r */
    /* count = 0; i = 2; while (i < limit) { count += isprime(i); i++ } */
    op1(&a, OP_PUSH, 0); op1(&a, OP_SETLOCAL, 1);
    op1(&a, OP_PUSH, 2); op1(&a, OP_SETLOCAL, 0);
    int32_t loop1 = a.len;
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, prime_limit); op0(&a, OP_LT);
    int32_t exit1 = op1(&a, OP_JZ, 0);
    op1(&a, OP_LOCAL, 0);
    int32_t call_isprime = call(&a, 0, 1);
    op1(&a, OP_LOCAL, 1); op0(&a, OP_ADD); op1(&a, OP_SETLOCAL, 1);
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, 1); op0(&a, OP_ADD); op1(&a, OP_SETLOCAL, 0);
    op1(&a, OP_JMP, loop1);
    patch(&a, exit1, a.len);

    /* sum = calls(ack_n): a doubly recursive function counting its own calls */
    op1(&a, OP_PUSH, ack_n);
    int32_t call_rec = call(&a, 0, 1);
    op1(&a, OP_SETLOCAL, 2);

    /* shuffle: r = 1; for i in 0..rounds*HEAP_WORDS: heap[r % W] ^= heap[(r>>7) % W] + i; r = r*1664525+1013904223 */
    op1(&a, OP_PUSH, 1); op1(&a, OP_SETLOCAL, 3);
    op1(&a, OP_PUSH, 0); op1(&a, OP_SETLOCAL, 0);
    int32_t loop2 = a.len;
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, shuffle_rounds * HEAP_WORDS); op0(&a, OP_LT);
    int32_t exit2 = op1(&a, OP_JZ, 0);
    op1(&a, OP_LOCAL, 3);                                   /* address */
    op1(&a, OP_LOCAL, 3); op0(&a, OP_LOAD);
    op1(&a, OP_LOCAL, 3); op1(&a, OP_PUSH, 7); op0(&a, OP_SHRU); op0(&a, OP_LOAD);
    op1(&a, OP_LOCAL, 0); op0(&a, OP_ADD); op0(&a, OP_XOR);
    op0(&a, OP_STORE);
    op1(&a, OP_LOCAL, 3); op1(&a, OP_PUSH, 1664525); op0(&a, OP_MUL);
    op1(&a, OP_PUSH, 1013904223); op0(&a, OP_ADD); op1(&a, OP_SETLOCAL, 3);
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, 1); op0(&a, OP_ADD); op1(&a, OP_SETLOCAL, 0);
    op1(&a, OP_JMP, loop2);
    patch(&a, exit2, a.len);

    /* result = count * 65599 + sum ^ heap-fold (folded on the host side below) */
    op1(&a, OP_LOCAL, 1); op1(&a, OP_PUSH, 65599); op0(&a, OP_MUL);
    op1(&a, OP_LOCAL, 2); op0(&a, OP_XOR);
    op0(&a, OP_HALT);

    /* isprime(n): locals 0 = n, 1 = d */
    int32_t isprime = a.len;
    patch(&a, call_isprime, isprime);
    op1(&a, OP_PUSH, 3); op1(&a, OP_SETLOCAL, 1);
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, 1); op0(&a, OP_AND);
    int32_t odd = op1(&a, OP_JNZ, 0);
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, 2); op0(&a, OP_EQ); op0(&a, OP_RET);
    patch(&a, odd, a.len);
    int32_t loop3 = a.len;
    /* while (d*d <= n) -> !(n < d*d) */
    op1(&a, OP_LOCAL, 0); op1(&a, OP_LOCAL, 1); op1(&a, OP_LOCAL, 1); op0(&a, OP_MUL); op0(&a, OP_LT);
    int32_t done = op1(&a, OP_JNZ, 0);
    op1(&a, OP_LOCAL, 0); op1(&a, OP_LOCAL, 1); op0(&a, OP_REMU);
    int32_t notdiv = op1(&a, OP_JNZ, 0);
    op1(&a, OP_PUSH, 0); op0(&a, OP_RET);
    patch(&a, notdiv, a.len);
    op1(&a, OP_LOCAL, 1); op1(&a, OP_PUSH, 2); op0(&a, OP_ADD); op1(&a, OP_SETLOCAL, 1);
    op1(&a, OP_JMP, loop3);
    patch(&a, done, a.len);
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, 1); op0(&a, OP_LT); /* n < 1 -> 1 */
    op1(&a, OP_PUSH, 1); op0(&a, OP_XOR);                     /* n >= 1 (odd, no divisor) */
    op0(&a, OP_RET);

    /* rec(n): n < 2 ? 1 : rec(n-1) + rec(n-2) + 1 */
    int32_t rec = a.len;
    patch(&a, call_rec, rec);
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, 2); op0(&a, OP_LT);
    int32_t big = op1(&a, OP_JZ, 0);
    op1(&a, OP_PUSH, 1); op0(&a, OP_RET);
    patch(&a, big, a.len);
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, 1); op0(&a, OP_SUB); call(&a, rec, 1);
    op1(&a, OP_LOCAL, 0); op1(&a, OP_PUSH, 2); op0(&a, OP_SUB); call(&a, rec, 1);
    op0(&a, OP_ADD); op1(&a, OP_PUSH, 1); op0(&a, OP_ADD); op0(&a, OP_RET);

    uint64_t steps = 0;
    int32_t r = run(a.code, heap, &steps);
    uint32_t h = (uint32_t)r;
    for (int i = 0; i < HEAP_WORDS; i++)
        h = h * 33u ^ (uint32_t)heap[i];
    printf("vm checksum: %08x (%llu steps)\n", (unsigned)h, (unsigned long long)steps);
    return 0;
}
