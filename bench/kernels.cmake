# lrp_bench_kernels: every relevance kernel (ports/kernels.h) per variant
# this CPU supports, on VGG-16 sizes. Needs Google Benchmark
# (Debian: libbenchmark-dev); skipped without it.
if(benchmark_FOUND)
  add_executable(lrp_bench_kernels ${CMAKE_CURRENT_LIST_DIR}/relevance_kernels_bench.cc)
  target_link_libraries(lrp_bench_kernels PRIVATE lrp_ports benchmark::benchmark)
  target_compile_options(lrp_bench_kernels PRIVATE ${LRP_WARNINGS})
  # lrp_bench_lrn: LRN forward on the example model's LRN layers, a naive
  # scalar loop against every LrnFn variant (bench/lrn_bench.cc).
  add_executable(lrp_bench_lrn ${CMAKE_CURRENT_LIST_DIR}/lrn_bench.cc)
  target_link_libraries(lrp_bench_lrn PRIVATE lrp_ports benchmark::benchmark)
  target_compile_options(lrp_bench_lrn PRIVATE ${LRP_WARNINGS})
endif()
