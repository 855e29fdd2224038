fn main() -> std::process::ExitCode {
    chplan::cli::main()
}
