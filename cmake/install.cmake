# Install libnnfs.a, its headers and a relocatable CMake package (find_package(nnfs CONFIG)).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS nnfs EXPORT nnfsTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/nnfs ${PROJECT_SOURCE_DIR}/kernels/nnfs
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp" PATTERN "*.inc")
install(EXPORT nnfsTargets NAMESPACE nnfs:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nnfs)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nnfsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/nnfsConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nnfs)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nnfsConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nnfsConfig.cmake ${PROJECT_BINARY_DIR}/nnfsConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nnfs)
