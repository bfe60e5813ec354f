package dev.loupe.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The house rules of Loupe's package graph, checked on the compiled production classes. A request enters at
 * {@code http}, which only translates; {@code task} owns tasks and {@code engine} runs them without knowing any task
 * type; each capability ({@code imports}) plugs its admission and handler into them; {@code store} keeps bytes and
 * knows no domain; the wiring ({@code dev.loupe.Loupe}) and {@code cli} alone see everything. When the design
 * changes, these rules change with it, in the same commit.
 */
@AnalyzeClasses(packages = "dev.loupe", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageRulesTest {

    @ArchTest
    static final ArchRule noCyclesBetweenPackages =
            slices().matching("dev.loupe.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule httpOnlyTranslates = noClasses()
            .that()
            .resideInAPackage("dev.loupe.http..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "dev.loupe.db..",
                    "org.jdbi..",
                    "java.sql..",
                    "javax.sql..",
                    "dev.loupe.store..",
                    "dev.loupe.engine..")
            .because("http translates between HTTP and the services: no SQL, no storage, no execution");

    @ArchTest
    static final ArchRule nothingImportsHttp = noClasses()
            .that()
            .resideOutsideOfPackages("dev.loupe.http..")
            .and()
            .resideOutsideOfPackage("dev.loupe")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.loupe.http..")
            .because("only the wiring starts the API; nothing below it may speak HTTP");

    @ArchTest
    static final ArchRule coreKnowsNoTaskType = noClasses()
            .that()
            .resideInAnyPackage("dev.loupe.task..", "dev.loupe.engine..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.loupe.imports..")
            .because("task types register their admission and handler; the core names none of them");

    @ArchTest
    static final ArchRule storeKnowsNoDomain = noClasses()
            .that()
            .resideInAPackage("dev.loupe.store..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "dev.loupe.task..",
                    "dev.loupe.engine..",
                    "dev.loupe.image..",
                    "dev.loupe.imports..",
                    "dev.loupe.http..",
                    "dev.loupe.auth..",
                    "dev.loupe.policy..",
                    "dev.loupe.db..")
            .because("a store keeps bytes under names it is given");

    @ArchTest
    static final ArchRule onlyTheCliStartsLoupe = classes()
            .that()
            .resideInAPackage("dev.loupe")
            .should()
            .onlyHaveDependentClassesThat()
            .resideInAnyPackage("dev.loupe", "dev.loupe.cli")
            .because("the root package holds the wiring, which nothing but the command line uses");

    /** Who may use whom: each package with the packages allowed to depend on it. */
    @ArchTest
    static final ArchRule layers = layeredArchitecture()
            .consideringOnlyDependenciesInAnyPackage("dev.loupe..")
            .layer("cli")
            .definedBy("dev.loupe.cli..")
            .layer("wiring")
            .definedBy("dev.loupe")
            .layer("http")
            .definedBy("dev.loupe.http..")
            .layer("imports")
            .definedBy("dev.loupe.imports", "dev.loupe.imports.fetch..", "dev.loupe.imports.format..")
            .layer("image")
            .definedBy("dev.loupe.image..")
            .layer("engine")
            .definedBy("dev.loupe.engine..")
            .layer("task")
            .definedBy("dev.loupe.task..")
            .layer("auth")
            .definedBy("dev.loupe.auth..")
            .layer("policy")
            .definedBy("dev.loupe.policy..")
            .layer("store")
            .definedBy("dev.loupe.store..")
            .layer("db")
            .definedBy("dev.loupe.db..")
            .layer("config")
            .definedBy("dev.loupe.config..")
            .layer("compat")
            .definedBy("dev.loupe.compat..")
            .layer("failure")
            .definedBy("dev.loupe.failure..")
            .whereLayer("cli")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("wiring")
            .mayOnlyBeAccessedByLayers("cli")
            .whereLayer("http")
            .mayOnlyBeAccessedByLayers("wiring")
            .whereLayer("imports")
            .mayOnlyBeAccessedByLayers("wiring")
            .whereLayer("image")
            .mayOnlyBeAccessedByLayers("wiring", "cli", "http", "imports")
            .whereLayer("engine")
            .mayOnlyBeAccessedByLayers("wiring", "imports")
            .whereLayer("task")
            .mayOnlyBeAccessedByLayers("wiring", "cli", "http", "imports", "image", "engine")
            .whereLayer("auth")
            .mayOnlyBeAccessedByLayers("wiring", "http")
            .whereLayer("store")
            .mayOnlyBeAccessedByLayers("wiring", "imports", "image")
            .whereLayer("db")
            .mayOnlyBeAccessedByLayers("wiring", "cli", "image", "task", "engine");
}
