# hs_libdwarf.cmake - libdwarf linked statically and hidden into every binary that takes the core
# (see CMakeLists.txt). Included, it defines the interface target hs_libdwarf; run with cmake -P, it
# rebuilds Debian's libdwarf.a as libhs_dwarf.a: each object's references to stdout/stderr renamed
# to hidden variables of core/image/libdwarf_stdio.c (Debian's two non-PIC objects reach them
# with R_X86_64_PC32, which a shared object refuses), that file's object added. The objcopy and ar
# are the toolchain's own (CMAKE_OBJCOPY, CMAKE_AR), so a cross build renames its own archive.
if(CMAKE_SCRIPT_MODE_FILE)
  file(REMOVE_RECURSE ${DIR})
  file(MAKE_DIRECTORY ${DIR})
  execute_process(COMMAND ${AR} x ${SRC} WORKING_DIRECTORY ${DIR} COMMAND_ERROR_IS_FATAL ANY)
  file(GLOB objs ${DIR}/*.o)
  foreach(o IN LISTS objs)
    execute_process(COMMAND ${OBJCOPY} --redefine-sym stdout=hs_libdwarf_stdout
                    --redefine-sym stderr=hs_libdwarf_stderr ${o} COMMAND_ERROR_IS_FATAL ANY)
  endforeach()
  file(REMOVE ${OUT})
  string(REPLACE "|" ";" stdio "${STDIO}")
  execute_process(COMMAND ${AR} qcs ${OUT} ${objs} ${stdio} COMMAND_ERROR_IS_FATAL ANY)
  return()
endif()

if(NOT CMAKE_OBJCOPY)
  message(FATAL_ERROR "no objcopy found for ${CMAKE_C_COMPILER}: it renames libdwarf's stdio references")
endif()
add_library(hs_libdwarf_stdio OBJECT ${CMAKE_SOURCE_DIR}/core/image/libdwarf_stdio.c)
set_target_properties(hs_libdwarf_stdio PROPERTIES POSITION_INDEPENDENT_CODE ON)
set(HS_LIBDWARF_A ${CMAKE_BINARY_DIR}/hs_libdwarf/libhs_dwarf.a)
add_custom_command(OUTPUT ${HS_LIBDWARF_A}
  COMMAND ${CMAKE_COMMAND} -DSRC=${LIBDWARF_STATIC} -DDIR=${CMAKE_BINARY_DIR}/hs_libdwarf/objects
          -DOUT=${HS_LIBDWARF_A} -DAR=${CMAKE_AR} -DOBJCOPY=${CMAKE_OBJCOPY}
          "-DSTDIO=$<JOIN:$<TARGET_OBJECTS:hs_libdwarf_stdio>,|>"
          -P ${CMAKE_SOURCE_DIR}/cmake/hs_libdwarf.cmake
  DEPENDS ${LIBDWARF_STATIC} hs_libdwarf_stdio $<TARGET_OBJECTS:hs_libdwarf_stdio>
          ${CMAKE_SOURCE_DIR}/cmake/hs_libdwarf.cmake
  COMMENT "libhs_dwarf.a: libdwarf.a with its stdio references renamed"
  VERBATIM)
add_custom_target(hs_libdwarf_archive DEPENDS ${HS_LIBDWARF_A})
add_library(hs_libdwarf INTERFACE)
add_dependencies(hs_libdwarf hs_libdwarf_archive)
# whole, so every dwarf_* name is bound here before libdw.so is seen; hidden, so none is exported
target_link_libraries(hs_libdwarf INTERFACE -Wl,--whole-archive ${HS_LIBDWARF_A} -Wl,--no-whole-archive
                      -Wl,--exclude-libs,libhs_dwarf.a)
