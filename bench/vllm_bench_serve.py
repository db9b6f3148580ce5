"""`vllm bench serve`, run by the Python of the environment that has vLLM.

    $WORKBENCH_VLLM_PYTHON bench/vllm_bench_serve.py --backend openai-chat --base-url ... [options]

vLLM's own benchmark client, unchanged, with vLLM's own options. Some builds' `vllm`
console command cannot start (the CPU build looks itself up under another package
name), so this file calls the subcommand's functions directly. Used by
bench/bench_vllm_agreement.py.
"""

if __name__ == "__main__":
    from vllm.benchmarks.serve import add_cli_args, main
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    parser = FlexibleArgumentParser(description="vllm bench serve")
    add_cli_args(parser)
    main(parser.parse_args())
