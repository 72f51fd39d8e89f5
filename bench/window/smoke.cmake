# Runs each window benchmark with --smoke and fails unless it exits 0 with RESULT rows.
foreach(program ${UPDATES} ${STARTUP})
    execute_process(COMMAND ${program} --smoke
                    RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
    message("${out}")
    if(NOT code EQUAL 0)
        message(FATAL_ERROR "${program} --smoke exited with ${code}:\n${err}")
    endif()
    if(NOT out MATCHES "RESULT\t[^\t\n]+\t[^\t\n]+\t[^\t\n]+\t[^\t\n]+\t[^\t\n]+\t[^\t\n]+\t(yes|no|n/a)")
        message(FATAL_ERROR "${program} --smoke printed no RESULT row:\n${out}\n${err}")
    endif()
endforeach()
