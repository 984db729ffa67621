# kmirror_module(<name> [DEPS <module>...] [PUBLIC_LIBS <target>...] [PRIVATE_LIBS <target>...])
#
# One static library per folder under src/: kmirror_<name>, built from the folder's .cpp
# files. DEPS are the kmirror modules it may use (the allowed arrows of the module graph in
# docs/architecture.md); PUBLIC_LIBS are third-party libraries its public headers
# (include/kmirror/<name>/) expose, PRIVATE_LIBS those only its sources use.
#
# Headers: include/kmirror/<name>/ holds what other modules use ("kmirror/<name>/x.h");
# headers used only inside the module stay next to its sources ("<name>/x.h", found
# through src/ on the private include path). scripts/check-modules.py (ctest unit test
# `modules.layers`) checks that every include follows DEPS and that no module includes
# another's private header, since the shared include path alone would not stop it.
function(kmirror_module name)
  cmake_parse_arguments(M "" "" "DEPS;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(kmirror_${name} STATIC ${sources})
  target_include_directories(kmirror_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  list(TRANSFORM M_DEPS PREPEND kmirror_)
  target_link_libraries(kmirror_${name} PUBLIC ${M_DEPS} ${M_PUBLIC_LIBS} PRIVATE ${M_PRIVATE_LIBS})
endfunction()
