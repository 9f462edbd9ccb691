use clap::Parser;

fn main() {
    let cli = moat::cli::Cli::parse();
    std::process::exit(moat::cli::run(cli));
}
